"""The plan API: the plan in force, progress rows (filters, squad scope, CSV) and the warnings
a squad sees at the end of a week and a month (Asia/Shanghai), with the clock stopped."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.plan.progress import TargetProgress
from api.services import plan_progress
from tests.api.conftest import login
from tests.api.plan_seed import AddInspection, add_inspection, add_key_point

__all__ = ["add_inspection"]  # the fixture, used by name

SUNDAY_NOON = datetime(2026, 11, 29, 4, 0, tzinfo=UTC)
"""12:00 in Shanghai on Sunday 2026-11-29: the last day of 2026-W48, a day before 2026-11 ends."""
IN_W48 = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


@pytest.fixture
def stopped_clock(monkeypatch: pytest.MonkeyPatch) -> datetime:
    monkeypatch.setattr(plan_progress, "utc_now", lambda: SUNDAY_NOON)
    return SUNDAY_NOON


@pytest.fixture
def week_48(
    plan_client: tuple[TestClient, str],
    add_inspection: AddInspection,
    engine: Engine,
    stopped_clock: datetime,
) -> TestClient:
    """east: 2 street inspections and a video check in W48; west: 1 street inspection and a
    district visit."""
    add_key_point(engine, "school-w", "west")
    add_inspection("hospital-1", "street", IN_W48)
    add_inspection("hospital-1", "street", IN_W48.replace(day=26))
    add_inspection("hospital-1", "video", IN_W48, inspector="wang")
    add_inspection("school-w", "street", IN_W48, inspector="zhao-west")
    add_inspection("school-w", "district", IN_W48, inspector="wang")
    return plan_client[0]


def _rows(client: TestClient, user: str, query: str = "") -> list[TargetProgress]:
    answer = client.get(f"/api/v1/plan/progress{query}", headers=login(client, user))
    assert answer.status_code == 200, answer.text
    return [TargetProgress.model_validate(row) for row in answer.json()]


def test_the_plan_in_force_is_shown_with_its_wording(plan_client: tuple[TestClient, str]) -> None:
    client, _ = plan_client
    plan = client.get("/api/v1/plan", headers=login(client, "li-east")).json()
    assert plan["year"] == 2026 and plan["timezone"] == "Asia/Shanghai"
    weekly = next(t for t in plan["targets"] if t["metric"] == "street_inspections")
    assert weekly["period"] == "week" and weekly["at_least"] == 2
    assert weekly["description"] == "每个中队每周街面巡查不少于2次"
    assert client.get("/api/v1/plan").status_code == 401


def test_without_a_plan_the_answer_says_how_to_configure_one(
    client: tuple[TestClient, str],
) -> None:
    test_client, _ = client
    for path in ("/api/v1/plan", "/api/v1/plan/progress", "/api/v1/plan/warnings"):
        answer = test_client.get(path, headers=login(test_client, "wang"))
        assert answer.status_code == 404
        assert "STREETORDER_PLAN_FILE" in answer.json()["detail"]


def test_progress_counts_each_squads_inspections_newest_period_first(week_48: TestClient) -> None:
    rows = _rows(week_48, "wang", "?period=week&label=2026-W48")
    assert [(r.squad, r.count, r.at_least, r.status) for r in rows] == [
        ("east", 2, 2, "met"),
        ("west", 1, 2, "warning"),
    ]
    every = _rows(week_48, "wang")
    starts = [r.start_utc for r in every]
    assert starts == sorted(starts, reverse=True)
    assert every[0].label == "2026-W48"
    assert not any(r.label in ("2026-W49", "2026-12") for r in every)  # not begun yet
    months = {(r.metric.value, r.squad): r.count for r in every if r.label == "2026-11"}
    assert months[("video_checks", "east")] == 1 and months[("district_coverage", "west")] == 1


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?status=warning&period=week", {("west", "2026-W48")}),
        ("?squad=west&label=2026-11&status=met", {("west", "2026-11")}),
        ("?metric=district_coverage&label=2026-11", {("east", "2026-11"), ("west", "2026-11")}),
        ("?squad=east&label=2026-W47", {("east", "2026-W47")}),
    ],
)
def test_filters_combine(week_48: TestClient, query: str, expected: set[tuple[str, str]]) -> None:
    assert {(r.squad, r.label) for r in _rows(week_48, "wang", query)} == expected


def test_squad_members_see_only_their_own_squad(week_48: TestClient) -> None:
    assert {r.squad for r in _rows(week_48, "li-east")} == {"east"}
    assert {r.squad for r in _rows(week_48, "li-east", "?squad=east")} == {"east"}
    other = week_48.get("/api/v1/plan/progress?squad=west", headers=login(week_48, "li-east"))
    assert other.status_code == 403 and "own squad (east)" in other.json()["detail"]
    warned = week_48.get("/api/v1/plan/warnings", headers=login(week_48, "zhao-west")).json()
    assert warned and {w["progress"]["squad"] for w in warned} == {"west"}
    unknown = week_48.get("/api/v1/plan/progress?squad=north", headers=login(week_48, "wang"))
    assert unknown.status_code == 404 and "north" in unknown.json()["detail"]


def test_bad_filters_are_refused(week_48: TestClient) -> None:
    headers = login(week_48, "wang")
    for query in ("?period=day", "?label=November", "?status=late"):
        assert week_48.get(f"/api/v1/plan/progress{query}", headers=headers).status_code == 422


def test_warnings_on_the_last_day_of_a_week_and_the_eve_of_a_month_end(
    week_48: TestClient,
) -> None:
    answer = week_48.get("/api/v1/plan/warnings", headers=login(week_48, "wang"))
    messages = [warning["message"] for warning in answer.json()]
    assert messages[0] == "west: street_inspections 2026-W48 1/2, ends today"
    assert "east: problems_rectified 2026-11 0/16, ends tomorrow" in messages
    assert "east: video_checks 2026-11 1/50, ends tomorrow" in messages
    assert "east: district_coverage 2026-11 0/1, ends tomorrow" in messages
    # The latest ended week and month that fell short, not every older one.
    assert "east: street_inspections 2026-W47 0/2, ended short" in messages
    assert "west: problems_rectified 2026-10 0/16, ended short" in messages
    assert not any("2026-W46" in m or "2026-09" in m for m in messages)
    # Met targets are nothing to act on.
    assert not any(
        m.startswith(("east: street_inspections 2026-W48", "west: district_coverage 2026-11"))
        for m in messages
    )


def test_the_csv_has_a_bom_and_a_header_and_parses_back_to_the_rows(week_48: TestClient) -> None:
    headers = login(week_48, "li-east")
    answer = week_48.get("/api/v1/plan/progress.csv?label=2026-11", headers=headers)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert answer.content.startswith(b"\xef\xbb\xbf")
    table = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))
    rows = _rows(week_48, "li-east", "?label=2026-11")
    assert [TargetProgress.model_validate(line) for line in table] == rows
    assert {line["squad"] for line in table} == {"east"}
