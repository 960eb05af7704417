"""People on the ticket routes: log-in, role scoping, actions, 409s — SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import cv2
import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.db.engine import Database
from api.services import audit_log
from tests.api.conftest import NOW, login


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
    url = f"/api/v1/tickets/{ticket}"
    assert http.post(f"{url}/confirm", json={}, headers=member).status_code == 403
    confirmed = http.post(f"{url}/confirm", json={"note": "看过录像"}, headers=supervisor)
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "confirmed"
    again = http.post(f"{url}/confirm", json={}, headers=supervisor)
    assert again.status_code == 409
    assert "allowed actions: dispatch" in again.json()["detail"]
    deadline = (NOW + timedelta(days=2)).isoformat()
    dispatched = http.post(
        f"{url}/dispatch", json={"squad": "east", "deadline": deadline}, headers=supervisor
    )
    assert dispatched.status_code == 200, dispatched.text
    after = cv2.imencode(".jpg", np.zeros((8, 8, 3), np.uint8))[1].tobytes()
    photo = http.post(
        f"{url}/photos", content=after, headers=member | {"Content-Type": "image/jpeg"}
    )
    rectified = http.post(
        f"{url}/rectify",
        json={"photo_ref": photo.json()["photo_ref"], "note": "已清理"},
        headers=member,
    )
    assert rectified.status_code == 200 and rectified.json()["status"] == "rectified"
    closed = http.post(f"{url}/reinspect", json={"outcome": "pass"}, headers=supervisor)
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert http.post(f"{url}/fly", json={}, headers=supervisor).status_code in (404, 405)


def test_an_action_note_is_kept_in_the_audit_log(
    client: tuple[TestClient, str], engine: Engine
) -> None:
    http, ticket = client
    http.post(
        f"/api/v1/tickets/{ticket}/confirm", json={"note": "看过录像"}, headers=login(http, "wang")
    )
    with Database(engine.url.render_as_string(hide_password=False)).session() as session:
        newest = audit_log.head(session)
    assert newest is not None and newest.action == "confirm"
    assert newest.after is not None
    action = newest.after["action"]
    assert isinstance(action, dict) and action["note"] == "看过录像"


@pytest.mark.parametrize(
    ("action", "body", "expected"),
    [
        ("reclassify", {"violation_type": "stall"}, 200),
        ("reclassify", {"violation_type": "jaywalking"}, 422),
        ("merge", {"into": "T-2147483647"}, 422),
        ("merge", {"into": "T-99999999999999999999"}, 422),
        ("merge", {"into": "not-a-ticket"}, 422),
        ("reject", {"reason": "other"}, 422),
        ("dispatch", {"squad": "east", "deadline": "2020-01-01T00:00:00+00:00"}, 409),
    ],
)
def test_actions_naming_things_that_do_not_exist_are_422(
    client: tuple[TestClient, str], action: str, body: dict[str, str], expected: int
) -> None:
    http, ticket = client
    response = http.post(
        f"/api/v1/tickets/{ticket}/{action}", json=body, headers=login(http, "wang")
    )
    assert response.status_code == expected, response.text


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", 1),
        ("?status=pending_review&type=clutter&camera=cam-east&squad=east&category=hospital", 1),
        ("?status=closed", 0),
        ("?type=stall", 0),
        ("?squad=west", 0),
        ("?category=school", 0),
        ("?key_point=hospital-1", 1),
        ("?key_point=school-1", 0),
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
        ("POST", "/api/v1/tickets/T-99999999999999999999999/confirm", 404),
    ],
)
def test_odd_ticket_ids_are_404_not_500(
    client: tuple[TestClient, str], method: str, path: str, expected: int
) -> None:
    http, _ = client
    response = http.request(method, path, json={}, headers=login(http, "wang"))
    assert response.status_code == expected, response.text


def test_a_decision_on_an_outdated_view_is_refused_not_applied(
    client: tuple[TestClient, str],
) -> None:
    http, ticket = client
    supervisor = login(http, "wang")
    url = f"/api/v1/tickets/{ticket}"
    seen = http.get(url, headers=supervisor).json()["state"]["version"]
    # Someone else reclassifies it meanwhile; the status stays pending_review.
    changed = http.post(f"{url}/reclassify", json={"violation_type": "stall"}, headers=supervisor)
    assert changed.status_code == 200
    stale = http.post(f"{url}/confirm", json={}, headers={**supervisor, "If-Match": str(seen)})
    assert stale.status_code == 409
    assert "changed meanwhile by wang" in stale.json()["detail"]
    fresh = changed.json()["state"]["version"]
    ok = http.post(f"{url}/confirm", json={}, headers={**supervisor, "If-Match": f'"{fresh}"'})
    assert ok.status_code == 200 and ok.json()["type"] == "stall"
    odd = http.post(f"{url}/dispatch", json={}, headers={**supervisor, "If-Match": "abc"})
    assert odd.status_code == 422
