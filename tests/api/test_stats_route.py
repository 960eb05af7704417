"""GET /api/v1/stats on SQLite and PostgreSQL: the numbers for a small seeded month, the
Shanghai day boundary, the refusals and who may ask."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.db.engine import Database
from api.db.models import Camera, KeyPoint, Squad
from api.domain import Action, Confirm, Dispatch, Merge, Rectify, Reject
from api.services.tickets import act, ingest, ticket_key
from tests.api.conftest import login
from tests.factories import make_incident

MARCH = {"from": "2026-03-01", "to": "2026-03-31"}


def _at(day: int, hour: float = 2.0) -> datetime:
    return datetime(2026, 3, day, tzinfo=UTC) + timedelta(hours=hour)


def _seed(database: Database) -> None:
    """March 2026: east clutter confirmed and rectified, east clutter rejected, west stall
    confirmed, west stall pending, east stall merged into the first, and east clutter raised
    at 16:30 UTC on the 14th (the 15th in Shanghai)."""
    with database.session() as session:
        west = session.query(Squad).filter_by(code="west").one()
        market = KeyPoint(code="market-1", name="菜市场", category="market", squad_id=west.id)
        session.add(market)
        session.flush()
        session.add(Camera(id="cam-west", key_point_id=market.id, squad_id=west.id))
    plan: list[tuple[str, str, datetime, list[tuple[float, Action]]]] = [
        ("a", "clutter", _at(2), [(2, Confirm()), (3, Dispatch(squad="east", deadline=_at(9)))]),
        ("b", "clutter", _at(3), [(1, Reject(reason="false_detection", note=""))]),
        ("c", "stall", _at(4), [(4, Confirm())]),
        ("d", "stall", _at(5), []),
        ("e", "stall", _at(6), []),
        ("f", "clutter", _at(14, 16.5), []),
    ]
    ids: dict[str, int] = {}
    for key, kind, raised, steps in plan:
        camera = "cam-west" if key in {"c", "d"} else "cam-east"
        incident = make_incident(
            id=f"march-{key}", camera=camera, type=kind, raised_s=None, raised_at=raised
        )
        with database.session() as session:
            ids[key] = ingest(session, incident, actor="node", now=raised)[0].id
        for hours, action in steps:
            act(database, ids[key], action, actor="wang", now=raised + timedelta(hours=hours))
    rectify = Rectify(photo_ref="after.jpg", note="cleared")
    act(database, ids["a"], rectify, actor="li-east", now=_at(2) + timedelta(hours=7))
    merge = Merge(into=ticket_key(ids["a"]))
    act(database, ids["e"], merge, actor="wang", now=_at(6, 3))


@pytest.fixture
def api(client: tuple[TestClient, str], engine: Engine) -> Iterator[TestClient]:
    """The ``client`` app (east and west squads, one pending ticket now) plus March 2026."""
    database = Database(engine.url.render_as_string(hide_password=False))
    try:
        _seed(database)
    finally:
        database.dispose()
    yield client[0]


def _stats(api: TestClient, headers: dict[str, str], **query: str) -> Any:
    response = api.get("/api/v1/stats", params=query, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def _counts(entry: dict[str, Any]) -> tuple[Any, ...]:
    return (entry["detected"], entry["confirmed"], entry["rejected"], entry["precision"])


def test_a_month_in_numbers(api: TestClient) -> None:
    stats = _stats(api, login(api, "wang"), **MARCH)
    assert (stats["from_day"], stats["to_day"]) == ("2026-03-01", "2026-03-31")
    assert stats["start_utc"] == "2026-02-28T16:00:00Z"
    assert _counts(stats["totals"]) == (5, 2, 1, pytest.approx(2 / 3))
    squads = {s["squad"]: (s["name"], *_counts(s)) for s in stats["per_squad"]}
    assert squads == {"east": ("东中队", 3, 1, 1, 0.5), "west": ("西中队", 2, 1, 0, 1.0)}
    types = {t["type"]: _counts(t) for t in stats["per_type"]}
    assert types == {"clutter": (3, 1, 1, 0.5), "stall": (2, 1, 0, 1.0)}
    cameras = {(c["camera"], c["type"]): c["precision"] for c in stats["per_camera_type"]}
    assert cameras == {("cam-east", "clutter"): 0.5, ("cam-west", "stall"): 1.0}
    to_confirm, to_rectify = stats["times"]["to_confirm"], stats["times"]["to_rectify"]
    assert (to_confirm["count"], to_confirm["median_h"]) == (2, pytest.approx(3.0))
    assert to_confirm["p90_h"] == pytest.approx(3.8)
    assert (to_rectify["count"], to_rectify["median_h"]) == (1, pytest.approx(4.0))
    days = {d["day"]: d["detected"] for d in stats["per_day"]}
    assert len(days) == 31 and sum(days.values()) == 5
    assert (days["2026-03-14"], days["2026-03-15"]) == (0, 1)


def test_a_ticket_late_in_the_utc_day_counts_on_the_shanghai_day(api: TestClient) -> None:
    wang = login(api, "wang")
    assert (
        _stats(api, wang, **{"from": "2026-03-14", "to": "2026-03-14"})["totals"]["detected"] == 0
    )
    on_15 = _stats(api, wang, **{"from": "2026-03-15", "to": "2026-03-15"})
    assert on_15["totals"]["detected"] == 1
    assert [(d["day"], d["detected"]) for d in on_15["per_day"]] == [("2026-03-15", 1)]


def test_without_dates_the_last_30_days(api: TestClient) -> None:
    stats = _stats(api, login(api, "root"))
    assert len(stats["per_day"]) == 30
    assert stats["totals"]["detected"] == 1  # the client fixture's ticket, raised now
    assert stats["totals"]["precision"] is None


BAD_RANGES = [
    ({"from": "2026-02-30"}, "from: '2026-02-30' is not a calendar date"),
    ({"from": "1 March", "to": "2026-03-31"}, "from: '1 March' is not a date (YYYY-MM-DD)"),
    ({"from": "2026-03-31", "to": "2026-03-01"}, "from: 2026-03-31 is after to (2026-03-01)"),
    (
        {"from": "2025-01-01", "to": "2026-03-01"},
        "from/to: 425 days asked for, at most 366 at once",
    ),
]


def test_bad_ranges_answer_422_in_one_line(client: tuple[TestClient, str]) -> None:
    app = client[0]
    headers = login(app, "wang")
    for query, message in BAD_RANGES:  # one app for the whole table: each start costs seconds
        response = app.get("/api/v1/stats", params=query, headers=headers)
        assert (response.status_code, response.json()) == (422, {"detail": message}), query


def test_squad_members_may_not_see_the_statistics(client: tuple[TestClient, str]) -> None:
    app = client[0]
    response = app.get("/api/v1/stats", headers=login(app, "li-east"))
    assert response.status_code == 403
    assert response.json()["detail"] == "only supervisor or admin may do this"
    assert app.get("/api/v1/stats").status_code == 401
