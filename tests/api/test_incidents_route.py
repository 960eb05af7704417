"""Detector nodes posting incidents over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.db.engine import Database
from api.main import create_app
from api.security.api_keys import issue_key
from api.settings import ApiSettings
from tests.factories import add_place, purge_service_rows

NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
INCIDENT = {
    "id": "cam-http-clutter-20261127T080000Z",
    "camera": "cam-http",
    "type": "clutter",
    "box_xyxy": [10, 20, 60, 90],
    "score": 0.8,
    "zone": "pavement",
    "first_seen_at": "2026-11-27T07:55:00Z",
    "raised_at": "2026-11-27T08:00:00Z",
}


@pytest.fixture
def service(engine: Engine, tmp_path: Path) -> Iterator[tuple[TestClient, str]]:
    url = engine.url.render_as_string(hide_password=False)
    database = Database(url)
    with database.session() as session:
        add_place(session, camera_id="cam-http", squad_code="squad-h")
        key = issue_key(session, "node-1", now=NOW).plain
    settings = ApiSettings(data_dir=tmp_path, database_url=url)
    try:
        with TestClient(create_app(settings)) as client:
            yield client, key
    finally:
        purge_service_rows(database)
        database.dispose()


def test_an_incident_becomes_one_ticket_and_a_resend_changes_nothing(
    service: tuple[TestClient, str],
) -> None:
    client, key = service
    first = client.post("/api/v1/incidents", json=INCIDENT, headers={"X-API-Key": key})
    assert first.status_code == 201, first.text
    body = first.json()
    assert (
        body["created"] and body["status"] == "pending_review" and body["ticket"].startswith("T-")
    )
    again = client.post("/api/v1/incidents", json=INCIDENT, headers={"X-API-Key": key})
    assert again.status_code == 200
    assert again.json()["ticket"] == body["ticket"] and not again.json()["created"]


@pytest.mark.parametrize(
    ("headers", "payload", "expected"),
    [
        ({}, INCIDENT, 401),
        ({"X-API-Key": "so_000000000000_wrong"}, INCIDENT, 401),
        ({"X-API-Key": "not-a-key"}, INCIDENT, 401),
        (None, {**INCIDENT, "camera": "cam-unknown"}, 404),
        (None, {**INCIDENT, "raised_at": None, "raised_s": 12.0}, 422),
        (None, {**INCIDENT, "box_xyxy": [60, 20, 10, 90]}, 422),
        (None, {**INCIDENT, "colour": "red"}, 422),
    ],
)
def test_refusals(
    service: tuple[TestClient, str],
    headers: dict[str, str] | None,
    payload: dict[str, object],
    expected: int,
) -> None:
    client, key = service
    response = client.post(
        "/api/v1/incidents",
        json=payload,
        headers={"X-API-Key": key} if headers is None else headers,
    )
    assert response.status_code == expected, response.text


def test_keys_add_prints_a_key_that_authenticates(tmp_path: Path) -> None:
    import subprocess
    import sys

    from api.security.api_keys import authenticate
    from tests.factories import REPO_ROOT

    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "detector.cli.main",
            "keys",
            "add",
            "node-7",
            "--data-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    plain = result.stdout.strip().rsplit(" ", 1)[-1]
    database = Database(f"sqlite:///{tmp_path / 'streetorder.db'}")
    with database.session() as session:
        key = authenticate(session, plain)
        assert key is not None and key.name == "node-7"
        assert key.key_hash != plain
    database.dispose()


def test_an_accepted_incident_is_stored_before_the_answer_arrives(
    engine: Engine, tmp_path: Path
) -> None:
    """A detector deletes what the service acknowledged: the 201 must follow the commit."""
    import httpx

    from api.db.models import Ticket
    from api.server import ServiceThread

    url = engine.url.render_as_string(hide_password=False)
    database = Database(url)
    with database.session() as session:
        add_place(session, camera_id="cam-http", squad_code="squad-h")
        key = issue_key(session, "node-1", now=NOW).plain
    try:
        with (
            ServiceThread(ApiSettings(data_dir=tmp_path, database_url=url)) as server,
            httpx.Client(base_url=server.url, headers={"X-API-Key": key}) as http,
        ):
            for number in range(20):
                incident = INCIDENT | {"id": f"cam-http-clutter-{number}"}
                assert http.post("/api/v1/incidents", json=incident).status_code == 201
                with database.session() as session:
                    stored = session.query(Ticket).filter_by(incident_id=incident["id"]).count()
                assert stored == 1, f"incident {number} was acknowledged before it was stored"
    finally:
        purge_service_rows(database)
        database.dispose()
