"""`streetorder eval-tickets`: the models as reviewers judged them, from the ticket database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from typer.testing import CliRunner

from api.db.engine import Database
from api.db.migrate import upgrade
from api.domain import Confirm, Reject, RejectReason
from api.services.tickets import act, ingest
from api.settings import ApiSettings
from detector.cli.main import app
from tests.detector.cli.test_cli import assert_one_line_error, streetorder
from tests.factories import add_place, make_incident


def test_precision_per_camera_and_type(tmp_path: Path) -> None:
    now = datetime.now(UTC)
    database = Database(ApiSettings(data_dir=tmp_path).effective_database_url)
    upgrade(database.engine)
    with database.session() as session:
        add_place(session, camera_id="cam-gate")
        rows = [
            ingest(
                session,
                make_incident(id=f"i{n}", camera="cam-gate", raised_s=None, raised_at=now),
                actor="node",
                now=now - timedelta(hours=n),
            )[0].id
            for n in range(3)
        ]
    act(database, rows[0], Confirm(), actor="wang", now=now)
    act(database, rows[1], Reject(reason=RejectReason.FALSE_DETECTION), actor="wang", now=now)
    database.dispose()
    result = CliRunner().invoke(app, ["eval-tickets", "--data-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    line = next(line for line in result.output.splitlines() if "cam-gate" in line)
    assert "clutter" in line and "50%" in line  # 1 confirmed of 2 reviewed; 1 still pending
    assert [cell.strip() for cell in line.split("│")[3:6]] == ["3", "1", "1"]


def test_a_bad_range_is_one_line(tmp_path: Path) -> None:
    result = streetorder("eval-tickets", "--from", "2026-12-01", "--to", "2026-11-01")
    assert_one_line_error(result, "is after to")
