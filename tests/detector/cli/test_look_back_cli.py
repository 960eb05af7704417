"""`streetorder look-back`: a rectified ticket reopens when its camera shows the thing back in
the ticket's box and closes when the place is clear; a round is looked at once."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.db.engine import Database
from api.db.models import Ticket
from api.domain import TicketState
from detector.cli.main import app
from tests.detector.cli.inspection_service import (
    NodeService,
    cameras_file,
    error_line,
    node_service,
    rectified_ticket,
    street_clips,
)

__all__ = ["node_service", "street_clips"]  # fixtures


def _ticket(database: Database, ticket_id: int) -> TicketState:
    with database.session() as session:
        row = session.get(Ticket, ticket_id)
        assert row is not None
        return TicketState.model_validate(row.state)


def _rows(output: str) -> list[list[str]]:
    """The table's body rows as lists of stripped cells."""
    return [[c.strip() for c in line.split("│")] for line in output.splitlines() if "│" in line]


def test_look_back_reopens_when_back_and_closes_when_clear(
    node_service: NodeService, street_clips: dict[str, Path], tmp_path: Path
) -> None:
    database = node_service.database
    back = rectified_ticket(database, "cam-a")
    clear = rectified_ticket(database, "cam-b")
    config = cameras_file(tmp_path, {"cam-a": street_clips["back"], "cam-b": street_clips["clear"]})

    result = CliRunner().invoke(app, ["look-back", str(config), "--api", node_service.url])

    assert result.exit_code == 0, result.output
    reopened, closed = _ticket(database, back), _ticket(database, clear)
    assert reopened.status.value == "dispatched"
    assert closed.status.value == "closed"
    (look,) = reopened.look_backs
    assert (look.round, look.outcome.value, look.by) == (1, "back", "node:node-1")
    assert look.note.startswith("back: seen in ")
    assert closed.look_backs[0].outcome.value == "clear"
    table = {cells[1]: cells[1:-1] for cells in _rows(result.output)}
    seen, overlap = table["cam-a"][4].split("/"), float(table["cam-a"][5])
    assert int(seen[0]) >= int(seen[1]) / 2 and overlap >= 0.5
    assert table["cam-a"][6:] == ["back", "dispatched"]
    assert table["cam-b"][4].startswith("0/") and table["cam-b"][6:] == ["clear", "closed"]

    # The rounds are recorded: the next hourly run finds nothing due on either camera.
    again = CliRunner().invoke(app, ["look-back", str(config), "--api", node_service.url])
    assert again.exit_code == 0, again.output
    assert again.output.count("nothing due") == 2
    assert len(_ticket(database, back).look_backs) == 1


def test_an_unreadable_camera_is_reported_and_the_others_still_run(
    node_service: NodeService, street_clips: dict[str, Path], tmp_path: Path
) -> None:
    database = node_service.database
    gone = rectified_ticket(database, "cam-gone")
    clear = rectified_ticket(database, "cam-b")
    config = cameras_file(
        tmp_path, {"cam-gone": tmp_path / "missing.mp4", "cam-b": street_clips["clear"]}
    )

    result = CliRunner().invoke(app, ["look-back", str(config), "--api", node_service.url])

    assert result.exit_code == 1, result.output
    assert "problem: camera cam-gone: video file not found" in result.output
    assert _ticket(database, gone).status.value == "rectified"  # still due for the next run
    assert _ticket(database, clear).status.value == "closed"


@pytest.mark.parametrize(
    ("api", "key", "fragment"),
    [
        ("tickets.example:8000", "k", "--api: expected the service's http(s)://host"),
        ("http://127.0.0.1:9", "", "--api needs this node's key"),
        ("http://127.0.0.1:9", "k", "service unreachable at http://127.0.0.1:9"),
    ],
)
def test_mistakes_are_one_line(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    api: str,
    key: str,
    fragment: str,
) -> None:
    config = cameras_file(tmp_path, {"cam-a": tmp_path / "a.mp4"})
    monkeypatch.setenv("STREETORDER_API_KEY", key)
    line = error_line(monkeypatch, capsys, "look-back", str(config), "--api", api)
    assert line.startswith("error: ") and fragment in line


def test_a_wrong_key_is_one_line(
    node_service: NodeService,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = cameras_file(tmp_path, {"cam-a": tmp_path / "a.mp4"})
    monkeypatch.setenv("STREETORDER_API_KEY", "so_wrong_key")
    line = error_line(monkeypatch, capsys, "look-back", str(config), "--api", node_service.url)
    assert line.startswith("error: look-backs due at cam-a: the service refused this node's key")
