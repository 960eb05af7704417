"""A real ticket service (uvicorn on 127.0.0.1) on SQLite and PostgreSQL, real bundles, and a
clock that tests move by hand."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from api.db.engine import Database
from api.security.api_keys import issue_key
from api.server import ServiceThread
from api.settings import ApiSettings
from detector.evidence.bundle import Bundle
from detector.incidents.record import IncidentRecord
from detector.outbox import OutboxConfig
from detector.sources.frames import EncodedPacket
from tests.factories import (
    add_place,
    make_clip,
    make_incident,
    purge_service_rows,
    read_packets,
    write_test_bundle,
)

CAMERA = "cam-outbox"
START = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
FAST = OutboxConfig(backoff_initial_s=0.02, backoff_max_s=0.2, timeout_s=5.0, drain_grace_s=2.0)
"""Retries within a fraction of a second, for tests on the real clock."""


class FakeClock:
    """UTC time that moves only when the sender sleeps (or the test advances it)."""

    def __init__(self, start: datetime = START) -> None:
        self.start = start
        self.t = start

    def now(self) -> datetime:
        return self.t

    def sleep(self, seconds: float, wake: threading.Event) -> None:
        self.advance(seconds)

    def advance(self, seconds: float) -> None:
        self.t += timedelta(seconds=seconds)

    @property
    def elapsed_s(self) -> float:
        return (self.t - self.start).total_seconds()


def wait_until(condition: Callable[[], bool], timeout_s: float = 15.0) -> None:
    """Poll ``condition`` (for tests on the real clock); fail after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def incident(number: int, **overrides: Any) -> IncidentRecord:
    """A live camera's incident (UTC times) at the test camera."""
    raised = START + timedelta(minutes=number)
    values: dict[str, Any] = {
        "id": f"{CAMERA}-clutter-{number:04d}",
        "camera": CAMERA,
        "raised_s": None,
        "raised_at": raised,
        "first_seen_at": raised - timedelta(minutes=5),
    }
    return make_incident(**(values | overrides))


@dataclass
class Service:
    server: ServiceThread
    database: Database
    key: str

    @property
    def url(self) -> str:
        return self.server.url

    def register_camera(self, camera_id: str) -> None:
        with self.database.session() as session:
            add_place(session, camera_id=camera_id, squad_code=f"sq-{camera_id}")


@pytest.fixture
def service(engine: Engine, tmp_path: Path) -> Iterator[Service]:
    """The ticket service running, with the test camera registered and a node key."""
    url = engine.url.render_as_string(hide_password=False)
    database = Database(url)
    with database.session() as session:
        add_place(session, camera_id=CAMERA, squad_code="outbox")
        key = issue_key(session, "node-outbox", now=START).plain
    settings = ApiSettings(
        data_dir=tmp_path / "service", database_url=url, max_bundle_bytes=4_000_000
    )
    server = ServiceThread(settings)
    try:
        server.start()
        yield Service(server, database, key)
    finally:
        server.stop()
        purge_service_rows(database)
        database.dispose()


@pytest.fixture(scope="session")
def packets(tmp_path_factory: pytest.TempPathFactory) -> list[EncodedPacket]:
    clip = make_clip(tmp_path_factory.mktemp("outbox-clip") / "c.mp4", seconds=2.0, gop_frames=25)
    return read_packets(clip)


@pytest.fixture
def bundle_of(tmp_path: Path, packets: list[EncodedPacket]) -> Any:
    """Writes a real bundle for an incident, as the evidence recorder does."""

    def write(record: IncidentRecord) -> Bundle:
        bundle: Bundle = write_test_bundle(tmp_path / "bundles", record, packets)
        return bundle

    return write
