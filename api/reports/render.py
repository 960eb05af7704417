"""Notices and reports as HTML (Jinja templates in ``api/reports/templates``), PDF (WeasyPrint
on that HTML) and CSV.

The report's CSV is one tidy table, columns ``section, squad, period, key, value``:

* ``target``: ``key`` = ``<metric>.count`` / ``.at_least`` / ``.status``, per squad and period;
* ``tickets``: ``key`` = ``detected`` / ``confirmed`` / ``rejected``, ``squad`` empty for the
  whole report, a code per squad;
* ``type``: ``key`` = ``<violation code>.detected`` / ``.confirmed`` / ``.rejected``;
* ``repeat_place``: ``key`` = ``<key point code>/<violation code>``, ``value`` = problems;
* ``rectification``: ``key`` = ``count`` / ``median_h`` / ``p90_h`` / ``days <bin>``.
"""

from __future__ import annotations

import base64
import csv
import io
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from api.plan.model import Metric, PeriodKind
from api.plan.progress import Status
from api.reports.charts import Bar, Layout, bar_chart
from api.reports.notices import RepeatNotice, TicketNotice, category_zh, type_text
from api.reports.report_data import Report, TicketCounts

TEMPLATES = Path(__file__).resolve().parent / "templates"
METRIC_ZH = {
    Metric.STREET_INSPECTIONS: "街面巡查",
    Metric.PROBLEMS_RECTIFIED: "问题整改",
    Metric.VIDEO_CHECKS: "视频巡查",
    Metric.DISTRICT_COVERAGE: "区局督查覆盖",
}
PERIOD_ZH = {PeriodKind.WEEK: "周", PeriodKind.MONTH: "月", PeriodKind.QUARTER: "季度"}
STATUS_ZH = {
    Status.MET: "达标",
    Status.SHORT: "未达标",
    Status.WARNING: "预警",
    Status.OPEN: "进行中",
}
SOURCE_ZH = {"ticket": "工单", "look_back": "回头看复发"}
TARGET_LAYOUT = Layout(width=340, height=170, left=16)
"""Target charts stand two abreast on an A4 page."""


TICKET_STATUS_ZH = {
    "pending_review": "待审核",
    "confirmed": "已确认",
    "dispatched": "已派遣",
    "rectified": "已整改",
    "reinspected": "已复查",
    "closed": "已办结",
    "rejected": "已驳回",
    "merged": "已合并",
}
PRIORITY_ZH = {"normal": "普通", "high": "高", "urgent": "紧急"}


def _when(moment: datetime | None, zone: ZoneInfo | None = None) -> str:
    """``YYYY-MM-DD HH:MM``, in ``zone`` when given (else as it is)."""
    if moment is None:
        return "—"
    return f"{moment if zone is None else moment.astimezone(zone):%Y-%m-%d %H:%M}"


def _hours(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = _when
    env.filters["hours"] = _hours
    env.globals.update(
        METRIC_ZH=METRIC_ZH,
        PERIOD_ZH=PERIOD_ZH,
        STATUS_ZH=STATUS_ZH,
        SOURCE_ZH=SOURCE_ZH,
        TICKET_STATUS_ZH=TICKET_STATUS_ZH,
        PRIORITY_ZH=PRIORITY_ZH,
        type_text=type_text,
        category_zh=category_zh,
    )
    return env


def _render(template: str, **values: Any) -> str:
    return environment().get_template(template).render(**values)


def ticket_notice_html(notice: TicketNotice) -> str:
    image = None
    if notice.snapshot.jpeg is not None:
        image = "data:image/jpeg;base64," + base64.b64encode(notice.snapshot.jpeg).decode("ascii")
    return _render("ticket_notice.html", notice=notice, image=image)


def repeat_notice_html(notice: RepeatNotice) -> str:
    return _render("repeat_notice.html", notice=notice)


def target_charts(report: Report) -> list[Markup]:
    """One chart per target: the squad report shows each period's count, the district each
    squad's total over the periods in the report, both against the target (times the
    periods, for the district)."""
    charts = []
    keys = list(dict.fromkeys((row.metric, row.period) for row in report.targets))
    for metric, kind in keys:
        rows = [r for r in report.targets if (r.metric, r.period) == (metric, kind)]
        at_least = rows[0].at_least
        name = f"{METRIC_ZH[metric]}（每{PERIOD_ZH[kind]}至少 {at_least}）"
        if report.squad is not None:
            bars = [Bar(row.label, row.count) for row in rows]
            charts.append(
                Markup(bar_chart(bars, title=name, target=at_least, layout=TARGET_LAYOUT))
            )
            continue
        labels = sorted({row.label for row in rows})
        bars = [
            Bar(name, sum(row.count for row in rows if row.squad == code))
            for code, name in report.squads
        ]
        title = f"{name}：各中队 {len(labels)} 个{PERIOD_ZH[kind]}合计"
        charts.append(
            Markup(
                bar_chart(bars, title=title, target=at_least * len(labels), layout=TARGET_LAYOUT)
            )
        )
    return charts


def report_charts(report: Report) -> dict[str, Any]:
    types = [Bar(type_text(row.key).zh, row.detected) for row in report.per_type]
    rectified = [Bar(b.label, b.count) for b in report.rectification.histogram]
    return {
        "targets": target_charts(report),
        "types": Markup(bar_chart(types, title="各类问题发现数")),
        "rectification": Markup(bar_chart(rectified, title="整改用时分布（发现→整改）")),
    }


def report_html(report: Report) -> str:
    return _render("report.html", report=report, charts=report_charts(report))


def pdf_of(html: str) -> bytes:
    """The HTML as PDF; nothing outside the document is fetched (images are data URIs)."""
    from weasyprint import HTML  # slow to import: only PDF answers need it

    pdf = HTML(string=html, base_url=str(TEMPLATES)).write_pdf()
    assert pdf is not None  # write_pdf returns bytes when no target is given
    return bytes(pdf)


Row = tuple[str, str, str, str, str]


def _counts_rows(
    section: str, squad: str, label: str, prefix: str, counts: TicketCounts
) -> list[Row]:
    return [
        (section, squad, label, f"{prefix}{key}", str(getattr(counts, key)))
        for key in ("detected", "confirmed", "rejected")
    ]


def _rows(report: Report) -> list[Row]:
    label, scope = report.period.label, report.squad or ""
    rows: list[Row] = []
    for target in report.targets:
        metric = target.metric.value
        rows.append(("target", target.squad, target.label, f"{metric}.count", str(target.count)))
        rows.append(
            ("target", target.squad, target.label, f"{metric}.at_least", str(target.at_least))
        )
        rows.append(("target", target.squad, target.label, f"{metric}.status", target.status.value))
    rows.extend(_counts_rows("tickets", scope, label, "", report.totals))
    if report.squad is None:
        for counts in report.per_squad:
            rows.extend(_counts_rows("tickets", counts.key, label, "", counts))
    for counts in report.per_type:
        rows.extend(_counts_rows("type", scope, label, f"{counts.key}.", counts))
    for place in report.repeat_places:
        key = f"{place.key_point}/{place.type}"
        rows.append(("repeat_place", place.squad or "", label, key, str(place.count)))
    times = report.rectification
    values = {
        "count": str(times.count),
        "median_h": "" if times.median_h is None else f"{times.median_h:.2f}",
        "p90_h": "" if times.p90_h is None else f"{times.p90_h:.2f}",
    } | {bin_.key: str(bin_.count) for bin_ in times.histogram}
    rows.extend(("rectification", scope, label, key, value) for key, value in values.items())
    return rows


def report_csv(report: Report) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("section", "squad", "period", "key", "value"))
    writer.writerows(_rows(report))
    return out.getvalue()
