"""Report and notice pieces without a database: SVG bar charts, the rectification-time
histogram, report periods in the plan's zone and the rule each violation type breaks."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import pytest

from api.plan.model import Metric, PeriodKind, Plan, Target
from api.reports.charts import Bar, Layout, bar_chart, bar_heights
from api.reports.report_data import (
    PeriodFormatError,
    ReportError,
    histogram,
    parse_period,
)
from detector.incidents.taxonomy import load_taxonomy

SVG = "{http://www.w3.org/2000/svg}"


def _bars(svg: str) -> list[ET.Element]:
    root = ET.fromstring(svg)
    return [rect for rect in root.iter(f"{SVG}rect") if rect.get("class") == "bar"]


@pytest.mark.parametrize(
    "values",
    [(1, 2, 4), (16, 0, 8, 12), (3,), (0.5, 2.5)],
)
def test_one_bar_per_value_with_heights_proportional(values: tuple[float, ...]) -> None:
    layout = Layout()
    svg = bar_chart([Bar(f"v{n}", v) for n, v in enumerate(values)], title="t", layout=layout)
    bars = _bars(svg)
    assert [float(bar.get("data-value", "")) for bar in bars] == list(values)
    heights = [float(bar.get("height", "")) for bar in bars]
    tallest = max(values)
    for value, height in zip(values, heights, strict=True):
        assert height == pytest.approx(value / tallest * layout.plot_height, abs=0.01)
    # Bars stand on the same base line, left to right in the given order.
    bottoms = {round(float(b.get("y", "")) + float(b.get("height", "")), 2) for b in bars}
    assert len(bottoms) == 1
    xs = [float(bar.get("x", "")) for bar in bars]
    assert xs == sorted(xs)


def test_a_target_above_every_bar_sets_the_scale_and_short_bars_are_red() -> None:
    layout = Layout()
    svg = bar_chart([Bar("east", 8), Bar("west", 20)], title="t", target=16, layout=layout)
    east, west = _bars(svg)
    assert float(east.get("height", "")) == pytest.approx(8 / 20 * layout.plot_height, abs=0.01)
    assert east.get("fill") != west.get("fill")
    line = next(e for e in ET.fromstring(svg).iter(f"{SVG}line") if e.get("class") == "target")
    base = layout.top + layout.plot_height
    assert base - float(line.get("y1", "")) == pytest.approx(16 / 20 * layout.plot_height, 0.01)
    only_target = bar_heights([4.0], 100, 16.0)
    assert only_target == [pytest.approx(25.0)]


def test_labels_are_escaped_and_an_empty_chart_says_so() -> None:
    svg = bar_chart([Bar("<b>&", 1)], title="a & b")
    ET.fromstring(svg)  # well-formed
    assert "&lt;b&gt;&amp;" in svg
    empty = bar_chart([], title="none")
    assert _bars(empty) == [] and "无数据" in empty


def test_histogram_bins_by_days_with_edges_included() -> None:
    hours = [0, 24, 24.1, 48, 72, 100, 168, 168.5, 336, 400]
    bins = histogram(hours)
    assert [(b.key, b.count) for b in bins] == [
        ("days_0_1", 2),
        ("days_1_2", 2),
        ("days_2_3", 1),
        ("days_3_7", 2),
        ("days_7_14", 2),
        ("days_over_14", 1),
    ]
    assert sum(b.count for b in bins) == len(hours)
    assert bins[0].label == "0–1天" and bins[-1].label == ">14天"


PLAN = Plan(
    year=2026,
    targets=[Target(metric=Metric.PROBLEMS_RECTIFIED, period=PeriodKind.MONTH, at_least=16)],
)


@pytest.mark.parametrize(
    ("text", "kind", "start", "end"),
    [
        # Shanghai midnight is 16:00 UTC the day before.
        (
            "2026-11",
            PeriodKind.MONTH,
            datetime(2026, 10, 31, 16, tzinfo=UTC),
            datetime(2026, 11, 30, 16, tzinfo=UTC),
        ),
        (
            "2026-Q4",
            PeriodKind.QUARTER,
            datetime(2026, 9, 30, 16, tzinfo=UTC),
            datetime(2026, 12, 31, 16, tzinfo=UTC),
        ),
        (
            "2026-01",
            PeriodKind.MONTH,
            datetime(2025, 12, 31, 16, tzinfo=UTC),
            datetime(2026, 1, 31, 16, tzinfo=UTC),
        ),
    ],
)
def test_report_periods_are_plan_zone_months_and_quarters(
    text: str, kind: PeriodKind, start: datetime, end: datetime
) -> None:
    period, found = parse_period(text, PLAN)
    assert (period.label, found, period.start_utc, period.end_utc) == (text, kind, start, end)


@pytest.mark.parametrize(
    ("text", "error", "message"),
    [
        ("2026-13", PeriodFormatError, "expected a month YYYY-MM or a quarter YYYY-Qn"),
        ("2026-W05", PeriodFormatError, "expected a month"),
        ("2026-Q5", PeriodFormatError, "expected a month"),
        ("2025-11", ReportError, "period 2025-11 is not in the plan's year 2026"),
    ],
)
def test_bad_periods_are_named(text: str, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        parse_period(text, PLAN)


def test_every_violation_type_names_the_regulation_and_article_it_breaks() -> None:
    for violation in load_taxonomy().violations:
        assert violation.rule is not None, violation.code
        assert re.search(r"《[^》]+》第[一二三四五六七八九十百]+条", violation.rule), violation.rule
