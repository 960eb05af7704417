"""The dashboard in a real browser: charts drawn from the seeded tickets, numbers that match
them, and a date range without tickets shown as zeros without reloading the page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from api.services.stats import shanghai_day
from tests.api.web.conftest import LogIn, screenshot
from tests.api.web.seed import PLAN

CONFIRMED_FATES = {"dispatched", "overdue", "closed"}
BAR_SIZES = """selector => [...document.querySelectorAll(selector)].map(bar => {
    const box = bar.getBBox();
    return [box.width, box.height];
})"""


def _bars(page: Any, chart: str) -> list[tuple[float, float]]:
    sizes: list[tuple[float, float]] = page.evaluate(BAR_SIZES, f"#{chart} svg rect.bar")
    return sizes


def _stat(page: Any, key: str) -> str:
    text: str = page.inner_text(f'#dashboard-summary [data-stat="{key}"] dd')
    return text


def _table(page: Any, table: str) -> dict[str, list[str]]:
    rows: list[list[str]] = page.eval_on_selector_all(
        f"#{table} tbody tr", "rows => rows.map(r => [...r.cells].map(c => c.textContent))"
    )
    return {row[0]: row[1:] for row in rows}


def test_wang_sees_the_seeded_tickets_charted_and_an_empty_day_as_zeros(log_in: LogIn) -> None:
    page = log_in("wang")
    page.goto("/dashboard")
    page.wait_for_selector("#dashboard-page[data-loaded]")

    confirmed = sum(p.fate in CONFIRMED_FATES for p in PLAN)
    rejected = sum(p.fate == "rejected" for p in PLAN)
    assert (_stat(page, "detected"), _stat(page, "confirmed")) == (str(len(PLAN)), str(confirmed))
    assert _stat(page, "rejected") == str(rejected)
    assert _stat(page, "precision") == f"{round(100 * confirmed / (confirmed + rejected))}%"
    # seed.py confirms 15 minutes after raising; the closed ticket's squad took 5.5 hours.
    assert (_stat(page, "to_confirm"), _stat(page, "to_rectify")) == ("0.25 小时", "5.50 小时")
    east = sum(p.camera.startswith("cam-east") for p in PLAN)
    squads = _table(page, "table-squad")
    assert squads["东街中队"][0] == str(east) and squads["西街中队"][0] == str(len(PLAN) - east)
    per_day = _table(page, "table-day")
    assert sum(int(cells[0]) for cells in per_day.values()) == len(PLAN)
    assert page.text_content("#chart-squad svg > title") == "各中队"

    for chart in ("chart-squad", "chart-type", "chart-precision", "chart-day"):
        sizes = _bars(page, chart)
        assert sizes, f"{chart} drew no bars"
        assert all(width > 0 and height > 0 for width, height in sizes), (chart, sizes)
    screenshot(page, "dashboard")

    # A day without tickets: zeros and empty charts, drawn in place (no reload).
    empty = (shanghai_day(datetime.now(UTC)) - timedelta(days=10)).isoformat()
    page.evaluate("window.stillTheSamePage = true")
    page.fill("#range-from", empty)
    page.fill("#range-to", empty)
    page.click("#dashboard-range button[type=submit]")
    page.wait_for_selector(f'#dashboard-page[data-loaded="{empty}/{empty}"]')
    assert page.evaluate("window.stillTheSamePage") is True
    assert page.url.endswith(f"/dashboard?from={empty}&to={empty}")
    assert [_stat(page, key) for key in ("detected", "confirmed", "rejected", "precision")] == [
        "0",
        "0",
        "0",
        "–",
    ]
    assert page.locator("svg rect.bar").count() == 0
    assert "所选日期内没有工单" in page.inner_text("#chart-day")

    # The address keeps the range: opening it again shows the same empty day.
    page.reload()
    page.wait_for_selector(f'#dashboard-page[data-loaded="{empty}/{empty}"]')
    assert page.input_value("#range-from") == empty and _stat(page, "detected") == "0"


def test_a_bad_range_says_why_and_squad_members_cannot_open_the_page(log_in: LogIn) -> None:
    page = log_in("root")
    page.goto("/dashboard?from=2026-03-05&to=2026-03-01")
    page.wait_for_selector("#dashboard-error:not([hidden])")
    assert "2026-03-05 is after to (2026-03-01)" in page.inner_text("#dashboard-error")
    member = log_in("li-east")
    answer = member.goto("/dashboard")
    assert answer is not None and answer.status == 403
