"""People on the ticket routes: log-in, role scoping, actions, 409s — SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.db.engine import Database
from api.db.models import Camera, KeyPoint, Squad
from api.main import create_app
from api.security.users import Role, add_user
from api.services.tickets import ingest, ticket_key
from api.settings import ApiSettings
from tests.factories import make_incident, purge_service_rows

NOW = datetime.now(UTC)
PASSWORD = "correct horse battery"


@pytest.fixture
def client(engine: Engine, tmp_path: Path) -> Iterator[tuple[TestClient, str]]:
    url = engine.url.render_as_string(hide_password=False)
    database = Database(url)
    with database.session() as session:
        east, west = Squad(code="east", name="东中队"), Squad(code="west", name="西中队")
        session.add_all([east, west])
        session.flush()
        key_point = KeyPoint(name="XX医院", category="hospital", squad_id=east.id)
        session.add(key_point)
        session.flush()
        session.add(Camera(id="cam-east", key_point_id=key_point.id, squad_id=east.id))
        session.flush()
        incident = make_incident(
            id="cam-east-clutter-1", camera="cam-east", raised_s=None, raised_at=NOW
        )
        ticket = ingest(session, incident, actor="node", now=NOW)[0]
        for name, role, squad in (
            ("wang", Role.SUPERVISOR, None),
            ("li-east", Role.SQUAD_MEMBER, "east"),
            ("zhao-west", Role.SQUAD_MEMBER, "west"),
        ):
            add_user(session, name, PASSWORD, role, now=NOW, squad_code=squad)
        key = ticket_key(ticket.id)
    try:
        with TestClient(
            create_app(ApiSettings(data_dir=tmp_path, database_url=url))
        ) as test_client:
            yield test_client, key
    finally:
        purge_service_rows(database)
        database.dispose()


def login(client: TestClient, username: str) -> dict[str, str]:
    response = client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def test_wrong_password_and_missing_token_are_401(client: tuple[TestClient, str]) -> None:
    http, ticket = client
    wrong = http.post("/api/v1/auth/token", json={"username": "wang", "password": "nope"})
    assert wrong.status_code == 401
    assert http.get(f"/api/v1/tickets/{ticket}").status_code == 401
    assert (
        http.get("/api/v1/tickets", headers={"Authorization": "Bearer made-up"}).status_code == 401
    )


def test_a_squad_member_sees_only_its_own_squads_tickets(client: tuple[TestClient, str]) -> None:
    http, ticket = client
    east, west = login(http, "li-east"), login(http, "zhao-west")
    assert [t["ticket"] for t in http.get("/api/v1/tickets", headers=east).json()] == [ticket]
    assert http.get("/api/v1/tickets", headers=west).json() == []
    assert http.get(f"/api/v1/tickets/{ticket}", headers=west).status_code == 404
    assert http.get(f"/api/v1/tickets/{ticket}", headers=east).status_code == 200


def test_review_dispatch_rectify_through_http(client: tuple[TestClient, str]) -> None:
    http, ticket = client
    supervisor, member = login(http, "wang"), login(http, "li-east")
    url = f"/api/v1/tickets/{ticket}/actions"
    assert http.post(url, json={"action": "confirm"}, headers=member).status_code == 403
    confirmed = http.post(url, json={"action": "confirm"}, headers=supervisor)
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "confirmed"
    again = http.post(url, json={"action": "confirm"}, headers=supervisor)
    assert again.status_code == 409
    assert "allowed actions: dispatch" in again.json()["detail"]
    deadline = (NOW + timedelta(days=2)).isoformat()
    dispatched = http.post(
        url, json={"action": "dispatch", "squad": "east", "deadline": deadline}, headers=supervisor
    )
    assert dispatched.status_code == 200, dispatched.text
    rectified = http.post(
        url,
        json={"action": "rectify", "photo_ref": "photos/after.jpg", "note": "已清理"},
        headers=member,
    )
    assert rectified.status_code == 200 and rectified.json()["status"] == "rectified"
    bad = http.post(url, json={"action": "fly"}, headers=supervisor)
    assert bad.status_code == 422


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", 1),
        ("?status=pending_review&type=clutter&camera=cam-east&squad=east&category=hospital", 1),
        ("?status=closed", 0),
        ("?type=stall", 0),
        ("?squad=west", 0),
        ("?category=school", 0),
        ("?priority=normal", 1),
        (f"?raised_from={(NOW - timedelta(hours=1)).isoformat()}", 1),
        (f"?raised_to={(NOW - timedelta(hours=1)).isoformat()}", 0),
        ("?newest_first=true&after=1000000000", 1),
        ("?after=1000000000", 0),
    ],
)
def test_list_filters(client: tuple[TestClient, str], query: str, expected: int) -> None:
    http, _ = client
    response = http.get(f"/api/v1/tickets{query.replace('+', '%2B')}", headers=login(http, "wang"))
    assert response.status_code == 200, response.text
    assert len(response.json()) == expected


def test_naive_times_in_filters_are_refused(client: tuple[TestClient, str]) -> None:
    http, _ = client
    response = http.get(
        "/api/v1/tickets?raised_from=2026-11-27T08:00:00", headers=login(http, "wang")
    )
    assert response.status_code == 422


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("GET", "/api/v1/tickets/T-99999999999999999999999", 404),
        ("GET", "/api/v1/tickets/T-99999999999999999999999/evidence/clip.mp4", 404),
        ("GET", "/api/v1/tickets/T-١٢", 404),  # non-ASCII digits
        ("GET", "/api/v1/tickets/12", 404),
        ("GET", "/api/v1/tickets?after=99999999999999999999999", 422),
        ("POST", "/api/v1/tickets/T-99999999999999999999999/actions", 404),
    ],
)
def test_odd_ticket_ids_are_404_not_500(
    client: tuple[TestClient, str], method: str, path: str, expected: int
) -> None:
    http, _ = client
    response = http.request(method, path, json={"action": "confirm"}, headers=login(http, "wang"))
    assert response.status_code == expected, response.text
