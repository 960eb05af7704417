"""A running ticket service with the example plan, a detector node's key, one squad's key
point with cameras, and generated street clips: for the inspect and look-back commands."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from api.db.engine import Database
from api.db.models import Camera, KeyPoint, Squad
from api.domain import Action, Confirm, Dispatch, Rectify
from api.security.api_keys import issue_key
from api.security.users import Role, add_user
from api.server import ServiceThread
from api.services.tickets import act, ingest
from api.settings import ApiSettings
from detector.demo.street import StreetScript
from tests.factories import REPO_ROOT, make_incident, purge_service_rows, render_clip


def error_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> str:
    """``streetorder ARGS`` run as from a shell, failing: the one line it printed."""
    from detector.cli.main import run

    monkeypatch.setattr(sys, "argv", ["streetorder", *args])
    with pytest.raises(SystemExit) as exit_status:
        run()
    assert exit_status.value.code == 1
    (line,) = capsys.readouterr().err.strip().splitlines()
    return line


EXAMPLE_PLAN = REPO_ROOT / "docs" / "plan-2026.yaml"
NOW = datetime.now(UTC)
SQUAD, KEY_POINT = "east", "market-1"
SCRIPT = StreetScript(duration_s=8.0, fps=10, width=320, height=180, box_put_s=0.5, people=2)
"""A box put down at 0.5 s on the pavement, people walking by."""
SCENE_YAML = """
camera: {{id: {camera}, name: "Market street", key_point: market}}
zones:
  - {{name: pavement, type: pavement, polygon: [[0, 0.42], [1, 0.42], [1, 0.68], [0, 0.68]]}}
rules:
  clutter: {{dwell_s: 300}}
"""
FAST_STILLNESS = "analyzers: {static_change: {short_time_constant_s: 0.5, confirm_s: 0.5}}\n"
"""A box counts as still within about a second: the windows here last seconds, not minutes."""


@dataclass(frozen=True)
class NodeService:
    url: str
    database: Database


@pytest.fixture
def node_service(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[NodeService]:
    """The service on the test database (SQLite and PostgreSQL) with the example plan; the
    node's key in STREETORDER_API_KEY; supervisor ``wang``; cameras ``cam-a``, ``cam-b``
    and ``cam-gone`` at key point ``market-1`` of squad ``east``."""
    url = engine.url.render_as_string(hide_password=False)
    settings = ApiSettings(data_dir=tmp_path / "service", database_url=url, plan_file=EXAMPLE_PLAN)
    database = Database(url)
    with database.session() as session:
        squad = Squad(code=SQUAD, name="东中队")
        session.add(squad)
        session.flush()
        point = KeyPoint(code=KEY_POINT, name="菜市场", category="market", squad_id=squad.id)
        session.add(point)
        session.flush()
        for camera in ("cam-a", "cam-b", "cam-gone"):
            session.add(Camera(id=camera, key_point_id=point.id, squad_id=squad.id))
        add_user(session, "wang", "correct horse battery", Role.SUPERVISOR, now=NOW)
        key = issue_key(session, "node-1", now=NOW).plain
    monkeypatch.setenv("STREETORDER_API_KEY", key)
    try:
        with ServiceThread(settings) as server:
            yield NodeService(server.url, database)
    finally:
        purge_service_rows(database)
        database.dispose()


def rectified_ticket(database: Database, camera: str, *, rectified_days_ago: float = 2) -> int:
    """A clutter ticket over the script's box on ``camera``, rectified ``rectified_days_ago``
    (the plan's first look-back, a day after, is due); returns its row id."""
    raised = NOW - timedelta(days=rectified_days_ago + 1)
    incident = make_incident(
        id=f"{camera}-clutter-old",
        camera=camera,
        box_xyxy=SCRIPT.box_xyxy,
        raised_s=None,
        raised_at=raised,
    )
    with database.session() as session:
        ticket_id: int = ingest(session, incident, actor="node:node-1", now=raised)[0].id
    steps: list[tuple[Action, int]] = [
        (Confirm(), 1),
        (Dispatch(squad=SQUAD, deadline=raised + timedelta(days=3)), 2),
        (Rectify(photo_ref="after.jpg", note="已清理"), 24),
    ]
    for action, hours in steps:
        act(database, ticket_id, action, actor="wang", now=raised + timedelta(hours=hours))
    return ticket_id


def cameras_file(folder: Path, cameras: dict[str, Path | str], extra: str = "") -> Path:
    """A cameras YAML with one scene per camera id → source; ``extra`` goes into each entry."""
    lines = [f"out: {folder / 'out'}\n", FAST_STILLNESS]
    lines.append("outbox: {backoff_initial_s: 0.1, drain_grace_s: 20}\ncameras:\n")
    for camera, source in cameras.items():
        (folder / f"{camera}.yaml").write_text(SCENE_YAML.format(camera=camera), encoding="utf-8")
        lines.append(
            f"  - {{scene: {camera}.yaml, source: '{source}', sampling: {{rate_fps: 2}}, "
            f"{extra}evidence: {{buffer_s: 10, pre_roll_s: 2, post_roll_s: 2}}}}\n"
        )
    path = folder / "cameras.yaml"
    path.write_text("".join(lines), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def street_clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """``back``: the box is put down again at 0.5 s and stays; ``clear``: the same street
    without it."""
    folder = tmp_path_factory.mktemp("street-clips")
    return {
        "back": render_clip(folder / "back.mp4", SCRIPT),
        "clear": render_clip(folder / "clear.mp4", replace(SCRIPT, box_put_s=None)),
    }
