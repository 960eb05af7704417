"""The plan page and the public draw pages over HTTP: who sees what, in which language, and the
public pages readable without logging in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.services import plan_progress
from tests.api.conftest import PASSWORD, login
from tests.api.plan_seed import add_key_point
from tests.api.report_seed import add_ticket

SUNDAY_NOON = datetime(2026, 11, 29, 4, 0, tzinfo=UTC)


def _log_in(client: TestClient, username: str, language: str = "zh-CN") -> None:
    """A browser session: the cookie the log-in form gets, and the language chosen."""
    answer = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    client.cookies.set("streetorder_lang", language)


@pytest.fixture
def plan_site(
    plan_client: tuple[TestClient, str], engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> TestClient:
    monkeypatch.setattr(plan_progress, "utc_now", lambda: SUNDAY_NOON)
    add_key_point(engine, "school-w", "west")
    return plan_client[0]


def test_the_plan_page_needs_a_log_in(plan_site: TestClient) -> None:
    answer = plan_site.get("/plan", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/login?next=/plan"


def test_a_supervisor_sees_every_squad_coloured_with_the_warnings_on_top(
    plan_site: TestClient,
) -> None:
    _log_in(plan_site, "wang")
    page = plan_site.get("/plan").text
    assert 'href="/plan" data-nav="plan"' in page  # the shared navigation links it
    assert page.index('id="plan-warnings"') < page.index('class="card plan-target"')
    assert "督查计划 2026" in page and "街面巡查" in page and "每周" in page
    assert 'data-squad="east"' in page and 'data-squad="west"' in page
    assert 'data-label="2026-W48" data-status="warning" title="预警">0/2</td>' in page
    assert 'data-label="2026-W47" data-status="short"' in page
    assert "今天截止" in page and "期末未达标" in page  # W48 ends today, W47 ended short
    assert page.count('class="card plan-target"') == 4  # one table per target


def test_a_squad_member_sees_only_their_squad_in_english(plan_site: TestClient) -> None:
    _log_in(plan_site, "zhao-west", language="en")
    page = plan_site.get("/plan").text
    assert 'data-squad="west"' in page and 'data-squad="east"' not in page
    assert "Street inspections: at least 2 per week" in page
    assert "ends today" in page


def test_without_a_plan_the_page_says_how_to_configure_one(
    client: tuple[TestClient, str],
) -> None:
    test_client, _ = client
    _log_in(test_client, "wang", language="en")
    answer = test_client.get("/plan")
    assert answer.status_code == 404 and "STREETORDER_PLAN_FILE" in answer.text


def test_the_public_draw_pages_need_no_log_in(plan_site: TestClient) -> None:
    plan_site.cookies.set("streetorder_lang", "en")
    assert "No draw has been published yet." in plan_site.get("/public/draws").text
    drawn = plan_site.post(
        "/api/v1/plan/draws",
        json={"period": "2026-11", "seed": "monthly-11"},
        headers=login(plan_site, "wang"),
    )
    assert drawn.status_code == 201
    plan_site.cookies.clear()  # zh-CN, nobody logged in
    listing = plan_site.get("/public/draws")
    assert listing.status_code == 200 and 'href="/public/draws/2026-11"' in listing.text
    page = plan_site.get("/public/draws/2026-11").text
    assert '<code id="draw-seed">monthly-11</code>' in page
    assert 'href="/api/v1/plan/draws/2026-11.csv"' in page
    assert 'data-reproduces="true"' in page
    assert "sha256-rank-v1" in page and "sha256sum" in page
    assert "hospital-1" in page and "school-w" in page
    assert 'id="logout"' not in page  # nobody is logged in


def test_a_month_without_a_draw_answers_404(plan_site: TestClient) -> None:
    answer = plan_site.get("/public/draws/2030-01")
    assert answer.status_code == 404 and 'id="draw-missing"' in answer.text
    assert plan_site.get("/public/draws/soon").status_code == 422


def test_repeat_places_are_listed_with_their_notices_and_the_escalate_button(
    plan_site: TestClient, engine: Engine
) -> None:
    for day in (3, 10, 20):  # three confirmed problems within 30 days of the page's now
        add_ticket(engine, f"repeat-{day}", SUNDAY_NOON - timedelta(days=day), "confirmed")
    _log_in(plan_site, "wang")
    page = plan_site.get("/plan").text
    row = page[page.index('data-key-point="hospital-1" data-type="clutter"') :]
    assert "占道堆物" in row[: row.index("</tr>")]
    assert "/api/v1/plan/repeat-places/hospital-1/clutter/notice.pdf" in page
    assert 'id="escalate-places"' in page

    _log_in(plan_site, "li-east")  # the place's own squad: listed, but no escalating
    page = plan_site.get("/plan").text
    assert 'data-key-point="hospital-1"' in page and 'id="escalate-places"' not in page

    _log_in(plan_site, "zhao-west")  # another squad's place is not theirs to see
    page = plan_site.get("/plan").text
    assert 'data-key-point="hospital-1"' not in page and "当前没有重复问题点位" in page


def test_the_page_links_this_month_and_quarter_reports_scoped_to_the_viewer(
    plan_site: TestClient,
) -> None:
    _log_in(plan_site, "wang")
    page = plan_site.get("/plan").text
    assert 'href="/api/v1/reports/2026-11.pdf"' in page
    assert 'href="/api/v1/reports/2026-Q4.csv"' in page
    _log_in(plan_site, "li-east")
    page = plan_site.get("/plan").text
    assert 'href="/api/v1/reports/2026-11.pdf?squad=east"' in page
    assert plan_site.get("/api/v1/reports/2026-11.csv?squad=east").status_code == 200
