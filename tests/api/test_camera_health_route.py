"""Camera health: nodes report, people see every camera's latest state (stale when unheard)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, update

from api.db.engine import Database
from api.db.models import CameraReport
from api.security.api_keys import issue_key
from tests.api.conftest import PASSWORD, login

NOW = datetime.now(UTC)
REPORT: dict[str, Any] = {
    "node": "node-7:4242",
    "state": "online",
    "since": (NOW - timedelta(minutes=5)).isoformat(),
    "frames": 300,
    "incidents": 2,
    "restarts": 1,
    "outbox_pending": 0,
}


@pytest.fixture
def node(engine: Engine, client: tuple[TestClient, str]) -> Iterator[dict[str, str]]:
    database = Database(engine.url.render_as_string(hide_password=False))
    try:
        with database.session() as session:
            key = issue_key(session, "node-7", now=NOW).plain
        yield {"X-API-Key": key}
    finally:
        database.dispose()


def _health(http: TestClient, user: str = "wang") -> dict[str, dict[str, Any]]:
    answer = http.get("/api/v1/cameras/health", headers=login(http, user))
    assert answer.status_code == 200, answer.text
    return {row["camera"]: row for row in answer.json()}


def test_a_reported_camera_shows_its_state_and_an_unheard_one_is_unknown(
    client: tuple[TestClient, str], node: dict[str, str]
) -> None:
    http, _ = client
    assert _health(http)["cam-east"]["state"] == "unknown"
    assert _health(http)["cam-east"]["stale"] is True
    answer = http.put("/api/v1/cameras/cam-east/health", json=REPORT, headers=node)
    assert answer.status_code == 204, answer.text
    seen = _health(http)["cam-east"]
    assert (seen["state"], seen["stale"], seen["node"]) == ("online", False, "node-7:4242")
    assert seen["report"]["frames"] == 300 and seen["report"]["restarts"] == 1

    later = REPORT | {"state": "backing_off", "last_error": "worker died twice in 10 s"}
    assert http.put("/api/v1/cameras/cam-east/health", json=later, headers=node).status_code == 204
    seen = _health(http, "li-east")["cam-east"]  # its squad sees it too; one row, the latest
    assert seen["state"] == "backing_off" and seen["report"]["last_error"].startswith("worker")


def test_a_camera_unheard_for_longer_than_the_limit_is_stale(
    client: tuple[TestClient, str], node: dict[str, str], engine: Engine
) -> None:
    http, _ = client
    http.put("/api/v1/cameras/cam-east/health", json=REPORT, headers=node)
    with engine.begin() as connection:
        connection.execute(update(CameraReport).values(reported_at=NOW - timedelta(minutes=3)))
    seen = _health(http)["cam-east"]
    assert seen["state"] == "online" and seen["stale"] is True  # said online, 3 min ago


@pytest.mark.parametrize(
    ("who", "camera", "body", "expected"),
    [
        ("person", "cam-east", REPORT, 403),
        ("node", "cam-nowhere", REPORT, 404),
        ("node", "cam-east", REPORT | {"state": "dancing"}, 422),
        ("node", "cam-east", REPORT | {"since": "2026-11-27T08:00:00"}, 422),
        ("node", "cam-east", REPORT | {"frames": -1}, 422),
        ("none", "cam-east", REPORT, 401),
    ],
)
def test_refusals(
    client: tuple[TestClient, str],
    node: dict[str, str],
    who: str,
    camera: str,
    body: dict[str, Any],
    expected: int,
) -> None:
    http, _ = client
    headers = {"person": login(http, "wang"), "node": node, "none": {}}[who]
    answer = http.put(f"/api/v1/cameras/{camera}/health", json=body, headers=headers)
    assert answer.status_code == expected, answer.text


def test_the_cameras_page_puts_the_stale_first_and_squads_see_their_own(
    client: tuple[TestClient, str], node: dict[str, str]
) -> None:
    http, _ = client
    http.put("/api/v1/cameras/cam-east/health", json=REPORT, headers=node)
    http.post("/api/v1/auth/login", json={"username": "wang", "password": PASSWORD})
    page = http.get("/cameras").text
    assert 'data-camera="cam-east" data-state="online"' in page
    assert 'href="/cameras" data-nav="cameras"' in page
    assert 'data-group=""' in page  # not assigned through the API
    stream = {
        "source": "rtsp://cam-east/ch1",
        "group": "east",
        "scene": {
            "zones": [{"name": "p", "type": "pavement", "polygon": [[0, 0], [1, 0], [1, 1]]}]
        },
    }
    http.put("/api/v1/cameras/cam-east/stream", json=stream, headers=login(http, "root"))
    http.post("/api/v1/auth/login", json={"username": "wang", "password": PASSWORD})
    assert 'data-group="east"' in http.get("/cameras").text
    assert _health(http)["cam-east"]["group"] == "east"
    http.post("/api/v1/auth/login", json={"username": "zhao-west", "password": PASSWORD})
    assert 'data-camera="cam-east"' not in http.get("/cameras").text
