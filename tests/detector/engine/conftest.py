"""Test cameras for the engine: a short street clip with a box put down (and taken away), the
watch file that replays it as several cameras, and the ticket service that takes them."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.exc import OperationalError

from api.db.engine import Database, make_engine
from api.db.migrate import upgrade
from api.db.models import Ticket
from api.security.api_keys import issue_key
from api.server import ServiceThread
from api.settings import ApiSettings
from detector.demo.street import StreetScript
from detector.engine.restarts import RestartPolicy
from detector.engine.status import CameraStatus, WorkerState
from tests.factories import (
    POSTGRES_URL,
    add_place,
    purge_service_rows,
    render_clip,
    service_rows,
)

if TYPE_CHECKING:
    from detector.engine.engine import CameraEngine

CAMERAS = ("cam-a", "cam-b", "cam-c", "cam-d")
FAST_PACING = RestartPolicy(quick_s=30.0, initial_s=0.5, max_s=2.0)
SCENE_YAML = """
camera: {{id: {camera}, name: "Replayed street {camera}", key_point: market}}
zones:
  - {{name: pavement, type: pavement, polygon: [[0, 0.42], [1, 0.42], [1, 0.68], [0, 0.68]]}}
rules:
  clutter: {{dwell_s: 4, clear_s: 2}}
"""


@pytest.fixture(scope="session")
def street_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """16 s at 10 fps: a box lies on the pavement from 2 s to 11 s."""
    script = StreetScript(
        duration_s=16.0, fps=10, width=320, height=180, box_put_s=2.0, box_removed_s=11.0, people=0
    )
    return render_clip(tmp_path_factory.mktemp("engine-clip") / "street.mp4", script)


def write_cameras(
    folder: Path, clip: Path, cameras: list[str], *, ray: str = "{num_cpus: 0.5}"
) -> Path:
    """``folder/cameras.yaml`` replaying ``clip`` as ``cameras`` (scene files beside it)."""
    lines = [
        f"out: {folder / 'out'}\n",
        "outbox: {backoff_initial_s: 0.1, backoff_max_s: 1, drain_grace_s: 10}\n",
        "cameras:\n" if cameras else "cameras: []\n",
    ]
    for camera in cameras:
        scene = folder / f"{camera}.yaml"
        if not scene.exists():
            scene.write_text(SCENE_YAML.format(camera=camera), encoding="utf-8")
        lines.append(
            f"  - {{scene: {camera}.yaml, source: {clip}, "
            "started_at: '2026-11-27T08:00:00+08:00', sampling: {mode: rate, rate_fps: 2}, "
            f"evidence: {{buffer_s: 10, pre_roll_s: 2, post_roll_s: 2}}, ray: {ray}}}\n"
        )
    path = folder / "cameras.yaml"
    path.write_text("".join(lines), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """The ticket service of these tests runs on PostgreSQL, the bureau's database, where
    several cameras deliver at once (SQLite where PostgreSQL cannot be reached). The service's
    own tests cover both databases; these cluster runs of a minute need not run twice."""
    database = make_engine(POSTGRES_URL)
    try:
        upgrade(database)
    except OperationalError:
        database.dispose()
        database = make_engine(f"sqlite:///{tmp_path_factory.mktemp('db') / 'streetorder.db'}")
        upgrade(database)
    yield database
    database.dispose()


@dataclass(frozen=True)
class Service:
    url: str
    key: str
    database: Database


@pytest.fixture
def service(engine: Engine, tmp_path: Path) -> Iterator[Service]:
    """The ticket service on the test database, the test cameras registered, a node key."""
    url = engine.url.render_as_string(hide_password=False)
    database = Database(url)
    with database.session() as session:
        for camera in CAMERAS:
            add_place(session, camera_id=camera, squad_code=f"sq-{camera}")
        key = issue_key(session, "node-engine", now=datetime.now(UTC)).plain
    try:
        with ServiceThread(ApiSettings(data_dir=tmp_path / "service", database_url=url)) as server:
            yield Service(server.url, key, database)
    finally:
        purge_service_rows(database)
        database.dispose()


def poll_until(
    engine: CameraEngine, done: Callable[[dict[str, CameraStatus]], bool], timeout_s: float = 60.0
) -> dict[str, CameraStatus]:
    deadline = time.monotonic() + timeout_s
    while True:
        rows = {row.camera_id: row for row in engine.poll()}
        if done(rows):
            return rows
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out; last statuses: {rows}")
        time.sleep(0.3)


def until_every_camera_raised(engine: CameraEngine) -> dict[str, CameraStatus]:
    """Every camera running with its incident raised (spooled, maybe sent) and not yet ended:
    the moment to kill something mid-stream."""
    return poll_until(
        engine, lambda r: all(r[c].state is WorkerState.RUNNING and r[c].raised for c in r)
    )


def until_every_camera_delivered(
    engine: CameraEngine, timeout_s: float = 60.0
) -> dict[str, CameraStatus]:
    """Every recording read to its end and every outbox empty."""
    return poll_until(
        engine,
        lambda r: all(
            row.state is WorkerState.FINISHED and not row.outbox_pending for row in r.values()
        ),
        timeout_s,
    )


def incident_ids(out: Path, cameras: list[str]) -> set[str]:
    ids = set()
    for camera in cameras:
        for line in (out / camera / "incidents.jsonl").read_text(encoding="utf-8").splitlines():
            ids.add(json.loads(line)["id"])
    return ids


def ended_tickets(service: Service) -> set[str]:
    with service.database.session() as session:
        return set(session.scalars(select(Ticket.incident_id).where(Ticket.ended_at.is_not(None))))


@pytest.fixture(scope="module")
def cluster() -> Iterator[None]:
    """One local Ray cluster per test module: starting Ray costs seconds."""
    ray = pytest.importorskip("ray")
    os.environ.setdefault("YOLO_OFFLINE", "1")  # the model actors inherit it
    ray.init(  # "local": its own cluster, even where one runs on this machine already
        address="local",
        num_cpus=2,
        include_dashboard=False,
        ignore_reinit_error=True,
        log_to_driver=False,
    )
    yield
    ray.shutdown()


def assert_each_incident_once(
    service: Service, out: Path, last: dict[str, CameraStatus], incidents: int
) -> None:
    """The cameras' ``incidents`` incidents (one id each, whatever restarts they went
    through) reached the service exactly once, with their evidence and their last state."""
    expected = incident_ids(out, list(last))
    assert len(expected) == incidents
    tickets, audit = service_rows(service.database)  # fails on a second ticket for an id
    assert set(tickets) == expected and all(tickets.values())
    assert audit.get("ingest") == incidents and audit.get("evidence") == incidents
    assert all(row.outbox_dead == 0 for row in last.values())
    assert ended_tickets(service) == expected  # each ticket holds its incident's last state
