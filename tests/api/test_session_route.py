"""Browser sessions: cookie log-in, CSRF on cookie writes, log-out — SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import PASSWORD, login


def cookie_login(http: TestClient, username: str) -> str:
    response = http.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    assert http.cookies.get("streetorder_session")
    assert response.json()["csrf_token"] == http.cookies.get("streetorder_csrf")
    return str(response.json()["csrf_token"])


def test_a_cookie_session_reads_and_writes_only_with_its_csrf_token(
    client: tuple[TestClient, str],
) -> None:
    http, ticket = client
    csrf = cookie_login(http, "wang")
    me = http.get("/api/v1/auth/me").json()
    assert (me["username"], me["role"], me["csrf_token"]) == ("wang", "supervisor", csrf)
    assert http.get(f"/api/v1/tickets/{ticket}").status_code == 200
    url = f"/api/v1/tickets/{ticket}/confirm"
    assert http.post(url, json={}).status_code == 403
    assert http.post(url, json={}, headers={"X-CSRF-Token": "0" * 64}).status_code == 403
    confirmed = http.post(url, json={}, headers={"X-CSRF-Token": csrf})
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "confirmed"


def test_a_bearer_token_needs_no_csrf_token(client: tuple[TestClient, str]) -> None:
    http, ticket = client
    response = http.post(f"/api/v1/tickets/{ticket}/confirm", json={}, headers=login(http, "wang"))
    assert response.status_code == 200
    assert http.get("/api/v1/auth/me", headers=login(http, "wang")).json()["csrf_token"] is None


def test_log_out_ends_the_session(client: tuple[TestClient, str]) -> None:
    http, ticket = client
    csrf = cookie_login(http, "li-east")
    session_cookie = http.cookies.get("streetorder_session")
    assert http.get("/api/v1/auth/me").json()["squad"] == "east"
    assert http.post("/api/v1/auth/logout").status_code == 403  # a write: CSRF applies
    assert http.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 204
    assert http.get(f"/api/v1/tickets/{ticket}").status_code == 401
    # The old cookie, replayed, is dead on the server too, not only cleared in the browser.
    http.cookies.set("streetorder_session", session_cookie or "")
    assert http.get(f"/api/v1/tickets/{ticket}").status_code == 401


@pytest.mark.parametrize(
    ("username", "password"), [("wang", "wrong password"), ("nobody", PASSWORD), ("", "")]
)
def test_a_wrong_login_sets_no_cookie(
    client: tuple[TestClient, str], username: str, password: str
) -> None:
    http, _ = client
    response = http.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert response.status_code == 401
    assert "streetorder_session" not in http.cookies
