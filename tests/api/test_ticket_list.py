"""The ticket list: sort orders and keyset cursors page through everything exactly once."""

from __future__ import annotations

import base64
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, update

from api.db.engine import Database
from api.db.models import Ticket
from api.services.tickets import ingest
from tests.api.conftest import NOW, login
from tests.factories import make_incident

PRIORITY_RANK = {"urgent": 3, "high": 2, "normal": 1}
# (score, priority, minutes before NOW): ties on purpose so the id tie-break is exercised.
SPREAD = [
    (0.9, "normal", 5),
    (0.4, "high", 50),
    (0.4, "urgent", 5),
    (0.7, "normal", 30),
    (0.9, "high", 40),
    (0.55, "normal", 5),
]


@pytest.fixture
def many(client: tuple[TestClient, str], engine: Engine) -> TestClient:
    """Six more tickets at the client's camera (seven in all) with mixed scores and priorities."""
    http, _ = client
    with Database(engine.url.render_as_string(hide_password=False)).session() as session:
        for number, (score, priority, minutes) in enumerate(SPREAD):
            incident = make_incident(
                id=f"cam-east-x-{number}",
                camera="cam-east",
                score=score,
                raised_s=None,
                raised_at=NOW - timedelta(minutes=minutes),
            )
            row, _ = ingest(session, incident, actor="node", now=NOW)
            session.execute(update(Ticket).where(Ticket.id == row.id).values(priority=priority))
    return http


def sort_key(sort: str) -> Any:
    def key(ticket: dict[str, Any]) -> tuple[Any, ...]:
        values = []
        for part in [*sort.split(","), "id"]:
            name, sign = part.lstrip("-"), -1 if part.startswith("-") else 1
            value = {
                "id": int(ticket["ticket"].removeprefix("T-")),
                "score": ticket["score"],
                "priority": PRIORITY_RANK[ticket["priority"]],
                "raised_at": ticket["raised_at"],
            }[name]
            if name == "raised_at":
                # ISO strings in one offset sort as times; negate by inverting every char.
                value = value if sign > 0 else tuple(-ord(c) for c in value)
                values.append(value)
            else:
                values.append(sign * value)
        return tuple(values)

    return key


def pages(http: TestClient, headers: dict[str, str], query: str) -> list[list[str]]:
    found, cursor = [], None
    for _ in range(10):
        suffix = f"&cursor={cursor}" if cursor else ""
        response = http.get(f"/api/v1/tickets?limit=3&{query}{suffix}", headers=headers)
        assert response.status_code == 200, response.text
        found.append([t["ticket"] for t in response.json()])
        cursor = response.headers.get("X-Next-Cursor")
        if cursor is None:
            return found
    raise AssertionError("the cursor never ran out")


@pytest.mark.parametrize(
    "sort", ["id", "-id", "-priority,score", "score", "-score", "raised_at", "-raised_at,-score"]
)
def test_every_sort_pages_through_every_ticket_once_in_order(many: TestClient, sort: str) -> None:
    headers = login(many, "wang")
    everything = many.get("/api/v1/tickets?limit=200", headers=headers).json()
    expected = [t["ticket"] for t in sorted(everything, key=sort_key(sort))]
    found = pages(many, headers, f"sort={sort}")
    assert [len(page) for page in found] == [3, 3, 1]
    assert [ticket for page in found for ticket in page] == expected


def test_the_review_queue_order_puts_urgent_and_unsure_first(many: TestClient) -> None:
    queue = many.get("/api/v1/tickets?sort=-priority,score", headers=login(many, "wang")).json()
    assert [(t["priority"], t["score"]) for t in queue[:3]] == [
        ("urgent", 0.4),
        ("high", 0.4),
        ("high", 0.9),
    ]


@pytest.mark.parametrize(
    "query",
    [
        "sort=score&cursor=not-base64!",
        "sort=score&cursor=" + base64.urlsafe_b64encode(b'["id",[1]]').decode(),
        "sort=score&cursor=" + base64.urlsafe_b64encode(b'["score,id",["x",1]]').decode(),
        "sort=id&cursor=" + base64.urlsafe_b64encode(b'["id",[99999999999999999999]]').decode(),
        "sort=raised_at&cursor="
        + base64.urlsafe_b64encode(b'["raised_at,id",["2026-11-27T08:00:00",1]]').decode(),
        "sort=score,score",
        "sort=id,score",
        "sort=colour",
        "sort=score&after=3",
    ],
)
def test_odd_sorts_and_cursors_are_422(many: TestClient, query: str) -> None:
    response = many.get(f"/api/v1/tickets?{query}", headers=login(many, "wang"))
    assert response.status_code == 422, response.text


def test_a_ticket_shows_its_place_and_evidence_state(client: tuple[TestClient, str]) -> None:
    http, ticket = client
    shown = http.get(f"/api/v1/tickets/{ticket}", headers=login(http, "wang")).json()
    assert (shown["key_point"], shown["category"], shown["squad"]) == (
        "hospital-1",
        "hospital",
        "east",
    )
    assert shown["box_xyxy"] == [40.0, 60.0, 120.0, 150.0]
    assert shown["manifest_sha256"] is None and shown["ended_at"] is None
