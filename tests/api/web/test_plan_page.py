"""The plan page in a browser: targets, the repeat places and escalating them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import create_engine

from tests.api.report_seed import add_ticket
from tests.api.web.conftest import LogIn, screenshot
from tests.api.web.seed import Seeded


def _three_stalls_at_the_market(seeded: tuple[Seeded, str]) -> list[str]:
    engine = create_engine(seeded[0].settings.effective_database_url)
    now = datetime.now(UTC)
    try:
        return [
            add_ticket(
                engine,
                f"market-stall-{days}",
                now - timedelta(days=days),
                status,
                kind="stall",
                camera="cam-west-1",
            )
            for days, status in ((2, "confirmed"), (9, "dispatched"), (16, "closed"))
        ]
    finally:
        engine.dispose()


def test_a_supervisor_escalates_the_repeat_place_and_sees_it_marked(
    log_in: LogIn, seeded: tuple[Seeded, str]
) -> None:
    confirmed, dispatched, closed = _three_stalls_at_the_market(seeded)
    page: Any = log_in("wang")
    page.goto("/plan")
    row = page.locator('tr[data-key-point="west-market"][data-type="stall"]')
    assert row.count() == 1 and "西街菜市场" in row.inner_text()
    assert page.locator("section.plan-target").count() == 4
    assert row.locator(".badge").count() == 0

    page.click("#escalate-places")
    page.wait_for_function("document.getElementById('escalate-result').textContent !== ''")
    assert "已督办工单：2" in page.inner_text("#escalate-result")  # the two open ones
    page.wait_for_load_state("load")
    page.wait_for_selector('tr[data-key-point="west-market"] .badge')
    escalated = page.locator('tr[data-key-point="west-market"] a.escalated')
    assert sorted(escalated.all_inner_texts()) == sorted([confirmed, dispatched])
    assert closed in row.inner_text()
    screenshot(page, "plan")

    ticket = page.request.get(f"/api/v1/tickets/{confirmed}").json()
    assert ticket["priority"] == "high"


def test_a_squad_member_records_a_street_inspection_and_the_week_counts_it(
    log_in: LogIn,
) -> None:
    page: Any = log_in("li-east")
    page.goto("/plan")
    week = 'section[data-metric="street_inspections"] tr[data-squad="east"] td'
    assert page.locator(week).last.inner_text() == "0/2"
    options = page.locator("#inspection-form select[name=key_point] option").all_inner_texts()
    assert options == ["市一医院东门 (east-hospital)", "实验小学门口 (east-school)"]  # own squad
    assert page.locator("#inspection-form select[name=kind] option").count() == 1  # street only

    page.select_option("#inspection-form select[name=key_point]", "east-school")
    page.fill("#inspection-form input[name=note]", "校门口无摊贩")
    page.click("#inspection-form button[type=submit]")
    page.wait_for_function("document.getElementById('inspection-result').textContent !== ''")
    assert page.inner_text("#inspection-result").startswith("已登记检查：I-")
    page.wait_for_function(
        f"document.querySelectorAll('{week}').length > 0 && "
        f"[...document.querySelectorAll('{week}')].pop().textContent === '1/2'"
    )
