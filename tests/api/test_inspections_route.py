"""POST/GET /api/v1/inspections: who may record what, resends, mistakes, filters, audit."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.db.engine import Database
from api.db.models import Camera, KeyPoint, Squad
from api.security.api_keys import issue_key
from api.services import audit_log
from tests.api.conftest import login

NOW = datetime.now(UTC).replace(microsecond=0)
STARTED = (NOW - timedelta(hours=2)).isoformat()
VIDEO: dict[str, Any] = {
    "key_point": "hospital-1",
    "kind": "video",
    "started_at": STARTED,
    "ended_at": (NOW - timedelta(hours=1)).isoformat(),
    "cameras": ["cam-east"],
    "findings": ["cam-east-clutter-9"],
    "note": "视频巡查",
}


@pytest.fixture
def service(
    engine: Engine, plan_client: tuple[TestClient, str]
) -> Iterator[tuple[TestClient, Database, dict[str, str]]]:
    """The app with the example plan, a west-squad market and camera, and a node's key."""
    database = Database(engine.url.render_as_string(hide_password=False))
    with database.session() as session:
        west = session.query(Squad).filter_by(code="west").one()
        market = KeyPoint(code="market-9", name="菜场", category="market", squad_id=west.id)
        session.add(market)
        session.flush()
        session.add(Camera(id="cam-west", key_point_id=market.id, squad_id=west.id))
        node = {"X-API-Key": issue_key(session, "node-h1", now=NOW).plain}
    try:
        yield plan_client[0], database, node
    finally:
        database.dispose()


def test_a_supervisor_records_a_video_check_once(
    service: tuple[TestClient, Database, dict[str, str]],
) -> None:
    client, database, _ = service
    wang = login(client, "wang")
    first = client.post("/api/v1/inspections", json=VIDEO, headers=wang)
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["id"].startswith("I-")
    assert {k: body[k] for k in ("kind", "key_point", "squad", "inspector", "recorded_by")} == {
        "kind": "video",
        "key_point": "hospital-1",
        "squad": "east",
        "inspector": "wang",
        "recorded_by": "wang",
    }
    assert (body["cameras"], body["findings"]) == (["cam-east"], ["cam-east-clutter-9"])
    assert datetime.fromisoformat(body["started_at"]) == datetime.fromisoformat(STARTED)

    again = client.post("/api/v1/inspections", json=VIDEO, headers=wang)
    assert (again.status_code, again.json()) == (200, body)  # a resend is not counted twice
    other = client.post("/api/v1/inspections", json=VIDEO | {"note": "改了"}, headers=wang)
    assert other.status_code == 409
    assert other.json()["detail"].startswith(f"{body['id']} already records the video inspection")

    listed = client.get("/api/v1/inspections", headers=wang).json()
    assert [item["id"] for item in listed] == [body["id"]]
    with database.session() as session:
        records = audit_log.records_of(session, "inspection", body["id"])
    assert [(r.action, r.actor, (r.after or {}).get("kind")) for r in records] == [
        ("record", "wang", "video")
    ]


def test_a_detector_node_names_the_inspector(
    service: tuple[TestClient, Database, dict[str, str]],
) -> None:
    client, _, node = service
    missing = client.post("/api/v1/inspections", json=VIDEO, headers=node)
    assert missing.status_code == 422
    assert missing.json()["detail"].startswith("inspector: a detector node must name")
    done = client.post("/api/v1/inspections", json=VIDEO | {"inspector": "wang"}, headers=node)
    assert done.status_code == 201, done.text
    assert (done.json()["inspector"], done.json()["recorded_by"]) == ("wang", "node:node-h1")
    wrong = client.post(
        "/api/v1/inspections", json=VIDEO, headers={"X-API-Key": "so_000000000000_wrong"}
    )
    assert wrong.status_code == 401


STREET = {"key_point": "hospital-1", "kind": "street", "started_at": STARTED}


@pytest.mark.parametrize(
    ("user", "body", "status", "detail"),
    [
        pytest.param("li-east", STREET, 201, None, id="own-squad-street"),
        pytest.param(
            "li-east", STREET | {"kind": "video"}, 403, "street inspections only", id="video"
        ),
        pytest.param(
            "li-east", STREET | {"key_point": "market-9"}, 403, "another squad's", id="other-squad"
        ),
        pytest.param(
            "li-east", STREET | {"inspector": "zhao-west"}, 403, "not in your squad", id="colleague"
        ),
        pytest.param("zhao-west", STREET | {"key_point": "market-9"}, 201, None, id="west-own"),
        pytest.param("root", STREET | {"kind": "district"}, 201, None, id="admin-district"),
    ],
)
def test_squad_members_record_their_own_street_inspections(
    service: tuple[TestClient, Database, dict[str, str]],
    user: str,
    body: dict[str, Any],
    status: int,
    detail: str | None,
) -> None:
    client, _, _ = service
    response = client.post("/api/v1/inspections", json=body, headers=login(client, user))
    assert response.status_code == status, response.text
    if detail is None:
        assert response.json()["inspector"] == user
    else:
        assert detail in response.json()["detail"]


@pytest.mark.parametrize(
    ("change", "detail"),
    [
        ({"key_point": "nowhere"}, "key_point: unknown key point 'nowhere'"),
        ({"cameras": ["cam-9"]}, "cameras: unknown camera 'cam-9'"),
        ({"cameras": ["cam-west"]}, "cameras: camera 'cam-west' is not at key point 'hospital-1'"),
        ({"inspector": "nobody"}, "inspector: unknown user 'nobody'"),
        (
            {"started_at": (NOW + timedelta(hours=1)).isoformat(), "ended_at": None},
            "is in the future",
        ),
        ({"started_at": "2026-03-01T08:00:00"}, "timezone"),
        ({"ended_at": (NOW - timedelta(hours=3)).isoformat()}, "ended_at is before started_at"),
        ({"kind": "aerial"}, "'street', 'video' or 'district'"),
        ({"colour": "red"}, "Extra inputs"),
    ],
)
def test_mistakes_are_one_clear_422(
    service: tuple[TestClient, Database, dict[str, str]], change: dict[str, Any], detail: str
) -> None:
    client, _, _ = service
    response = client.post(
        "/api/v1/inspections", json=VIDEO | change, headers=login(client, "wang")
    )
    assert response.status_code == 422
    assert detail in str(response.json()["detail"])


def test_nobody_unauthenticated(service: tuple[TestClient, Database, dict[str, str]]) -> None:
    client, _, _ = service
    assert client.post("/api/v1/inspections", json=VIDEO).status_code == 401
    assert client.get("/api/v1/inspections").status_code == 401


def _post(client: TestClient, headers: dict[str, str], **values: Any) -> str:
    response = client.post("/api/v1/inspections", json=values, headers=headers)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def test_filters_and_shanghai_days(service: tuple[TestClient, Database, dict[str, str]]) -> None:
    client, _, _ = service
    root = login(client, "root")
    # Sunday 2026-02-08 23:59 and Monday 2026-02-09 00:00 in Shanghai.
    sunday = _post(
        client, root, key_point="hospital-1", kind="street", started_at="2026-02-08T15:59:00Z"
    )
    monday = _post(
        client, root, key_point="hospital-1", kind="video", started_at="2026-02-08T16:00:00Z"
    )
    west = _post(
        client, root, key_point="market-9", kind="street", started_at="2026-02-09T01:00:00+08:00"
    )

    def ids(query: str, user: str = "root") -> Any:
        response = client.get(f"/api/v1/inspections?{query}", headers=login(client, user))
        if response.status_code != 200:
            return response.status_code
        return [item["id"] for item in response.json()]

    assert ids("") == [sunday, monday, west]
    assert ids("from=2026-02-09") == [monday, west]
    assert ids("to=2026-02-08") == [sunday]
    assert ids("from=2026-02-08T16:00:00%2B00:00&to=2026-02-08T16:30:00Z") == [monday]
    assert ids("kind=street") == [sunday, west]
    assert ids("squad=west") == [west]
    assert ids("key_point=hospital-1&kind=video") == [monday]
    assert ids("from=2026-02-09T00:00:00") == 422  # a time without its zone
    assert ids("to=yesterday") == 422
    assert ids("kind=aerial") == 422
    assert ids("", user="li-east") == [sunday, monday]
    assert ids("squad=west", user="li-east") == 403
