"""Monthly and quarterly reports through the API: HTML with its charts, a PDF that renders to
a page with visible content where the charts are, and a tidy CSV; who may see which."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pypdfium2 as pdfium
import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from api.db.models import Camera, KeyPoint, Ticket
from api.routes import reports as reports_route
from tests.api.conftest import login
from tests.api.plan_seed import AddInspection, add_inspection, add_key_point
from tests.api.report_seed import add_ticket

__all__ = ["add_inspection"]  # the fixture, used by name

# Shanghai times in November 2026 (UTC+8): the 2nd at 10:00 is 02:00 UTC.
NOV_2 = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)


def _nov(day: int, hours: float = 0) -> datetime:
    return NOV_2 + timedelta(days=day - 2, hours=hours)


@pytest.fixture
def december_15(monkeypatch: pytest.MonkeyPatch) -> datetime:
    """Reports are made on 2026-12-15, whatever today is: November's weeks have all begun."""
    moment = datetime(2026, 12, 15, 4, 0, tzinfo=UTC)
    monkeypatch.setattr(reports_route, "utc_now", lambda: moment)
    return moment


@pytest.fixture
def november(
    plan_client: tuple[TestClient, str],
    engine: Engine,
    add_inspection: AddInspection,
    december_15: datetime,
) -> TestClient:
    """east: clutter three times at hospital-1 (a repeat place), two rectified (in 20 and
    50 hours), a stall rejected; west: one confirmed stall at its school; street inspections."""
    add_key_point(engine, "school-w", "west")
    with Session(engine) as session, session.begin():
        point = session.scalars(select(KeyPoint).where(KeyPoint.code == "school-w")).one()
        session.add(Camera(id="cam-west", key_point_id=point.id, squad_id=point.squad_id))
        # The fixture's own ticket was raised today: out of the way, whatever today is.
        session.execute(
            update(Ticket)
            .where(Ticket.incident_id == "cam-east-clutter-1")
            .values(raised_at=datetime(2026, 6, 1, tzinfo=UTC))
        )
    add_ticket(engine, "e1", _nov(3), "closed", rectified_at=_nov(3, 20))
    add_ticket(engine, "e2", _nov(10), "rectified", rectified_at=_nov(10, 50))
    add_ticket(engine, "e3", _nov(20), "confirmed")
    add_ticket(engine, "e4", _nov(21), "rejected", kind="stall")
    add_ticket(engine, "w1", _nov(5), "confirmed", kind="stall", camera="cam-west")
    add_ticket(engine, "october", _nov(-5), "confirmed")  # 2026-10-28: not in November
    add_inspection("hospital-1", "street", _nov(3))
    add_inspection("hospital-1", "street", _nov(4))
    add_inspection("school-w", "street", _nov(4), inspector="zhao-west")
    return plan_client[0]


def _csv(client: TestClient, path: str, user: str = "wang") -> list[dict[str, str]]:
    answer = client.get(path, headers=login(client, user))
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(answer.text)))


def _value(rows: list[dict[str, str]], section: str, key: str, squad: str = "") -> str:
    found = [
        r["value"] for r in rows if (r["section"], r["key"], r["squad"]) == (section, key, squad)
    ]
    assert len(found) == 1, (section, key, squad, found)
    return found[0]


def test_the_district_csv_has_targets_types_repeat_places_and_rectification(
    november: TestClient,
) -> None:
    rows = _csv(november, "/api/v1/reports/2026-11.csv")
    assert set(rows[0]) == {"section", "squad", "period", "key", "value"}
    assert _value(rows, "tickets", "detected") == "5"  # October's ticket is left out
    assert _value(rows, "tickets", "confirmed") == "4"
    assert _value(rows, "tickets", "rejected") == "1"
    assert _value(rows, "tickets", "detected", "east") == "4"
    assert _value(rows, "type", "clutter.confirmed") == "3"
    assert _value(rows, "type", "stall.rejected") == "1"
    assert _value(rows, "repeat_place", "hospital-1/clutter", "east") == "4"
    assert _value(rows, "rectification", "count") == "2"
    assert _value(rows, "rectification", "median_h") == "35.00"
    assert _value(rows, "rectification", "days_0_1") == "1"
    assert _value(rows, "rectification", "days_2_3") == "1"
    weekly = {
        (r["squad"], r["period"]): r["value"]
        for r in rows
        if r["section"] == "target" and r["key"] == "street_inspections.count"
    }
    # The weeks that overlap November, W44 (from Monday 26 October) to W49.
    assert sorted({week for _, week in weekly}) == [f"2026-W{n}" for n in range(44, 50)]
    assert weekly[("east", "2026-W45")] == "2" and weekly[("west", "2026-W45")] == "1"
    monthly = [r for r in rows if r["key"] == "problems_rectified.count"]
    assert {(r["squad"], r["period"], r["value"]) for r in monthly} == {
        ("east", "2026-11", "2"),
        ("west", "2026-11", "0"),
    }


def test_a_squad_report_keeps_to_the_squad_and_a_quarter_covers_three_months(
    november: TestClient,
) -> None:
    rows = _csv(november, "/api/v1/reports/2026-11.csv?squad=west", user="zhao-west")
    assert {r["squad"] for r in rows if r["section"] == "target"} == {"west"}
    assert _value(rows, "tickets", "detected", "west") == "1"
    assert not [r for r in rows if r["section"] == "repeat_place"]
    quarter = _csv(november, "/api/v1/reports/2026-Q4.csv?squad=east")
    months = {r["period"] for r in quarter if r["key"] == "problems_rectified.count"}
    assert months == {"2026-10", "2026-11", "2026-12"} & months and "2026-10" in months
    assert _value(quarter, "tickets", "detected", "east") == "5"  # October's counts now


def test_the_html_report_draws_its_charts(november: TestClient) -> None:
    answer = november.get("/api/v1/reports/2026-11.html", headers=login(november, "wang"))
    assert answer.status_code == 200
    page = answer.text
    # One chart per target, one for the types and one for rectification times.
    assert page.count('<svg xmlns="http://www.w3.org/2000/svg" class="chart"') == 4 + 2
    assert page.count('class="bar"') >= 2 * 4 + 2 + 6
    for shown in ("月报", "全区", "东中队", "XX医院", "占道堆物", "整改用时", "街面巡查"):
        assert shown in page
    # The plan's own wording of each target is quoted.
    assert "每个中队每周街面巡查不少于2次" in page


def _ink(image: Image.Image, box: tuple[int, int, int, int] | None = None) -> float:
    region = image.convert("L") if box is None else image.convert("L").crop(box)
    pixels = list(region.getdata())
    return sum(1 for value in pixels if value < 240) / len(pixels)


def test_a_report_rendered_with_its_charts_as_pdf_has_visible_content(
    november: TestClient,
) -> None:
    answer = november.get("/api/v1/reports/2026-11.pdf", headers=login(november, "wang"))
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/pdf"
    assert answer.content.startswith(b"%PDF")
    page = pdfium.PdfDocument(answer.content)[0]
    image = page.render(scale=72 / 72).to_pil()
    width, height = image.size
    assert _ink(image) > 0.03
    # The first target chart sits under the heading: the band below the title holds bars.
    blue = sum(
        1
        for r, g, b in image.convert("RGB").crop((0, height // 10, width, height // 2)).getdata()
        if b > 150 and r < 90  # the bar colour #2b6cb0, red bars #c53030 excluded
    )
    red = sum(
        1
        for r, g, b in image.convert("RGB").crop((0, height // 10, width, height // 2)).getdata()
        if r > 170 and g < 80 and b < 80
    )
    assert blue + red > 200, (blue, red)


def test_reports_refuse_strangers_other_squads_bad_periods_and_unknown_squads(
    plan_client: tuple[TestClient, str],
) -> None:
    app, _ = plan_client
    wang, east = login(app, "wang"), login(app, "li-east")
    assert app.get("/api/v1/reports/2026-11.html").status_code == 401
    district = app.get("/api/v1/reports/2026-11.html", headers=east)
    assert district.status_code == 403
    assert app.get("/api/v1/reports/2026-11.html?squad=west", headers=east).status_code == 403
    assert app.get("/api/v1/reports/2026-11.csv?squad=east", headers=east).status_code == 200
    bad = app.get("/api/v1/reports/2026-13.html", headers=wang)
    assert bad.status_code == 422 and "YYYY-MM" in bad.json()["detail"]
    outside = app.get("/api/v1/reports/2025-12.html", headers=wang)
    assert outside.status_code == 404
    assert outside.json()["detail"] == "period 2025-12 is not in the plan's year 2026"
    unknown = app.get("/api/v1/reports/2026-11.csv?squad=north", headers=wang)
    assert (unknown.status_code, unknown.json()["detail"]) == (404, "squad: no squad 'north'")
    assert app.get("/api/v1/reports/2026-11.xlsx", headers=wang).status_code == 422


def test_without_a_plan_reports_say_how_to_configure_one(client: tuple[TestClient, str]) -> None:
    app, _ = client
    answer = app.get("/api/v1/reports/2026-11.html", headers=login(app, "wang"))
    assert answer.status_code == 404 and "STREETORDER_PLAN_FILE" in answer.json()["detail"]
