"""Look back (回头看) over HTTP: due rounds for a camera, results that close or reopen a
ticket, resends, refusals, and the reopening counted as a repeat at the place."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.db.engine import Database
from api.db.models import Ticket
from api.domain import Action, Confirm, Dispatch, Rectify
from api.security.api_keys import issue_key
from api.services import audit_log
from api.services.tickets import act, ingest, ticket_key
from tests.api.conftest import login
from tests.factories import make_incident

NOW = datetime.now(UTC).replace(microsecond=0)
DAY = timedelta(days=1)
RECTIFIED_AT = NOW - 8 * DAY  # both rounds (1 and 7 days later) are due now


def _rectified(database: Database, name: str, rectified_at: datetime) -> str:
    """A stall ticket at the east hospital, confirmed, dispatched and rectified at
    ``rectified_at``."""
    raised = rectified_at - DAY
    with database.session() as session:
        incident = make_incident(
            id=name, camera="cam-east", type="stall", raised_s=None, raised_at=raised
        )
        row = ingest(session, incident, actor="node", now=raised)[0]
        number = row.id
    steps: list[tuple[Action, datetime]] = [
        (Confirm(), raised + timedelta(hours=1)),
        (Dispatch(squad="east", deadline=rectified_at + DAY), raised + timedelta(hours=2)),
        (Rectify(photo_ref="p/after.jpg", note="已清理"), rectified_at),
    ]
    for action, at in steps:
        act(database, number, action, actor="wang", now=at)
    return ticket_key(number)


@pytest.fixture
def service(
    engine: Engine, plan_client: tuple[TestClient, str]
) -> Iterator[tuple[TestClient, Database, dict[str, str], str, str]]:
    """The app with the example plan (rounds 1 and 7 days after, 3 days to rectify again), a
    node's key, the fixture's pending ticket and a ticket rectified 8 days ago."""
    database = Database(engine.url.render_as_string(hide_password=False))
    with database.session() as session:
        node = {"X-API-Key": issue_key(session, "node-lb", now=NOW).plain}
    try:
        ticket = _rectified(database, "cam-east-stall-1", RECTIFIED_AT)
        yield plan_client[0], database, node, plan_client[1], ticket
    finally:
        database.dispose()


Service = tuple[TestClient, Database, dict[str, str], str, str]


def _result(round_: int, outcome: str, checked_at: datetime = NOW, **more: Any) -> dict[str, Any]:
    return {"round": round_, "outcome": outcome, "checked_at": checked_at.isoformat(), **more}


def _post(client: TestClient, ticket: str, body: dict[str, Any], headers: dict[str, str]) -> Any:
    return client.post(f"/api/v1/tickets/{ticket}/look-back", json=body, headers=headers)


def test_due_rounds_name_the_zone_to_look_at(service: Service) -> None:
    client, database, node, _, ticket = service
    recent_at = NOW - 2 * DAY
    recent = _rectified(database, "cam-east-stall-2", recent_at)
    _rectified(database, "cam-east-stall-3", NOW - timedelta(hours=20))  # not due yet
    response = client.get("/api/v1/look-backs/due?camera=cam-east", headers=node)
    assert response.status_code == 200, response.text
    due = [item | {"due_at": datetime.fromisoformat(item["due_at"])} for item in response.json()]
    box = {"x1": 40.0, "y1": 60.0, "x2": 120.0, "y2": 150.0}
    common = {"camera": "cam-east", "type": "stall", "box_xyxy": box}
    # Rectified 8 days ago: round 2 is due, and one look answers for the unchecked round 1.
    assert due == [
        common | {"ticket": ticket, "round": 2, "due_at": RECTIFIED_AT + 7 * DAY, "delay_days": 7},
        common | {"ticket": recent, "round": 1, "due_at": recent_at + DAY, "delay_days": 1},
    ]
    assert client.get("/api/v1/look-backs/due", headers=login(client, "wang")).json() == (
        response.json()
    )
    unknown = client.get("/api/v1/look-backs/due?camera=cam-9", headers=node)
    assert (unknown.status_code, unknown.json()["detail"]) == (
        422,
        "camera: unknown camera 'cam-9'",
    )


def test_clear_closes_back_reopens_and_a_resend_changes_nothing(service: Service) -> None:
    client, database, node, _, ticket = service
    checked = NOW - timedelta(minutes=10)
    closed = _post(client, ticket, _result(1, "clear", checked), node)
    assert closed.status_code == 200, closed.text
    assert closed.json()["status"] == "closed"
    due = client.get("/api/v1/look-backs/due?camera=cam-east", headers=node).json()
    assert [(item["ticket"], item["round"]) for item in due] == [(ticket, 2)]

    with database.session() as session:
        before = len(audit_log.records_of(session, "ticket", ticket))
    resend = _post(client, ticket, _result(1, "clear", checked), node)
    assert (resend.status_code, resend.json()) == (200, closed.json())
    other = _post(client, ticket, _result(1, "back", checked), node)
    assert other.status_code == 409
    assert other.json()["detail"] == f"ticket {ticket}: round 1 is already recorded as clear"
    with database.session() as session:
        assert len(audit_log.records_of(session, "ticket", ticket)) == before

    reopened = _post(client, ticket, _result(2, "back", NOW, note="摊位又回来了"), node)
    assert reopened.status_code == 200, reopened.text
    view = reopened.json()
    assert view["status"] == "dispatched"
    assert datetime.fromisoformat(view["deadline"]) == NOW + 3 * DAY
    records = [
        {k: record[k] for k in ("round", "outcome", "by", "rectification", "note")}
        for record in view["state"]["look_backs"]
    ]
    assert records == [
        {"round": 1, "outcome": "clear", "by": "node:node-lb", "rectification": 1, "note": ""},
        {
            "round": 2,
            "outcome": "back",
            "by": "node:node-lb",
            "rectification": 1,
            "note": "摊位又回来了",
        },
    ]
    assert client.get("/api/v1/look-backs/due", headers=node).json() == []
    with database.session() as session:
        actions = [r.action for r in audit_log.records_of(session, "ticket", ticket)]
    assert actions[-2:] == ["look_back", "look_back"]


@pytest.mark.parametrize(
    ("ticket", "body", "status", "detail"),
    [
        pytest.param("T-999999", _result(1, "clear"), 404, "no ticket T-999999", id="unknown"),
        pytest.param("T-x", _result(1, "clear"), 404, "no ticket T-x", id="malformed-id"),
        pytest.param(
            "pending", _result(1, "clear"), 409, "look-backs follow a rectification", id="pending"
        ),
        pytest.param(
            "rectified", _result(3, "clear"), 409, "the plan has 2 look-back rounds", id="round-3"
        ),
        pytest.param(
            "rectified",
            _result(1, "clear", RECTIFIED_AT + DAY - timedelta(minutes=1)),
            409,
            "too early",
            id="before-due",
        ),
        pytest.param(
            "rectified",
            _result(1, "clear", NOW + timedelta(hours=1)),
            422,
            "is in the future",
            id="future",
        ),
        pytest.param(
            "rectified",
            {"round": 1, "outcome": "clear", "checked_at": "2026-03-04T08:00:00"},
            422,
            "timezone",
            id="no-zone",
        ),
        pytest.param("rectified", _result(1, "gone"), 422, "'back' or 'clear'", id="outcome"),
    ],
)
def test_results_that_do_not_fit(
    service: Service, ticket: str, body: dict[str, Any], status: int, detail: str
) -> None:
    client, _, node, pending, rectified = service
    name = {"pending": pending, "rectified": rectified}.get(ticket, ticket)
    response = _post(client, name, body, node)
    assert response.status_code == status, response.text
    assert detail in str(response.json()["detail"])


def test_squad_members_do_not_judge_their_own_rectification(service: Service) -> None:
    client, _, _, _, ticket = service
    li = login(client, "li-east")
    assert _post(client, ticket, _result(1, "clear"), li).status_code == 403
    assert client.get("/api/v1/look-backs/due", headers=li).status_code == 403
    assert client.get("/api/v1/look-backs/due").status_code == 401
    wang = _post(client, ticket, _result(1, "clear"), login(client, "wang"))
    assert (wang.status_code, wang.json()["state"]["look_backs"][0]["by"]) == (200, "wang")


def test_without_a_plan_look_backs_answer_404(client: tuple[TestClient, str]) -> None:
    test_client, ticket = client
    wang = login(test_client, "wang")
    response = test_client.get("/api/v1/look-backs/due", headers=wang)
    assert response.status_code == 404
    assert response.json()["detail"].startswith("no supervision plan configured")
    assert _post(test_client, ticket, _result(1, "clear"), wang).status_code == 404


def test_a_reopening_counts_as_a_repeat_at_the_place(service: Service) -> None:
    client, database, node, _, ticket = service
    wang = login(client, "wang")
    second = _rectified(database, "cam-east-stall-2", NOW - 3 * DAY)

    def new_ticket_priority(name: str) -> str:
        incident = make_incident(
            id=name, camera="cam-east", type="stall", raised_s=None, raised_at=NOW
        )
        with database.session() as session:
            number = ingest(session, incident, actor="node", now=NOW)[0].id
        return str(client.get(f"/api/v1/tickets/T-{number}", headers=wang).json()["priority"])

    # Two earlier stall tickets at the hospital: not yet a repeat place.
    assert new_ticket_priority("cam-east-stall-3") == "normal"
    assert _post(client, ticket, _result(1, "back"), node).status_code == 200
    # Their two tickets and the look-back that saw the stall back: three problems.
    assert new_ticket_priority("cam-east-stall-4") == "high"
    with database.session() as session:
        row = session.get(Ticket, int(second.removeprefix("T-")))
        assert row is not None and row.status == "rectified"
