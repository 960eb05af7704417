"""`streetorder report 2026-11 [--squad east] --format pdf --out report.pdf`: the monthly or
quarterly supervision report from the service database (as ``GET /api/v1/reports/…``)."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from detector.cli.output import console
from detector.cli.service_db import service_session
from detector.errors import StreetOrderError


class ReportFileFormat(StrEnum):
    HTML = "html"
    PDF = "pdf"
    CSV = "csv"


class ReportOptionError(StreetOrderError):
    """A report command without a plan or with a format it cannot tell."""


def _format(chosen: ReportFileFormat | None, out: Path) -> ReportFileFormat:
    if chosen is not None:
        return chosen
    try:
        return ReportFileFormat(out.suffix.removeprefix(".").lower())
    except ValueError:
        raise ReportOptionError(
            f"--format: give html, pdf or csv (cannot tell from {out.name!r})"
        ) from None


def _plan_file(plan: Path | None) -> Path:
    from api.settings import ApiSettings

    chosen = plan or ApiSettings().plan_file
    if chosen is None:
        raise ReportOptionError("--plan: give the plan's YAML or set STREETORDER_PLAN_FILE")
    return chosen


def report_command(
    period: Annotated[str, typer.Argument(help="A month (2026-11) or quarter (2026-Q4).")],
    out: Annotated[Path, typer.Option(help="The file to write.")],
    file_format: Annotated[
        ReportFileFormat | None,
        typer.Option("--format", help="html, pdf or csv; default: from --out's suffix."),
    ] = None,
    squad: Annotated[
        str | None, typer.Option(help="A squad's code; default: the district (every squad).")
    ] = None,
    plan: Annotated[
        Path | None,
        typer.Option(help="The plan's YAML; default: $STREETORDER_PLAN_FILE."),
    ] = None,
    data_dir: Annotated[Path | None, typer.Option(help="The service's data folder.")] = None,
    database_url: Annotated[str | None, typer.Option(help="SQLAlchemy URL.")] = None,
) -> None:
    """Write the report: targets against actuals with charts, tickets by type, repeat places
    and rectification times (CSV: one tidy table section, squad, period, key, value)."""
    from api.plan.source import load_plan
    from api.reports.render import pdf_of, report_csv, report_html
    from api.reports.report_data import build_report

    chosen = _format(file_format, out)
    loaded = load_plan(_plan_file(plan))
    assert loaded is not None  # load_plan returns a plan for a path
    with service_session(data_dir, database_url, migrate=True) as session:
        report = build_report(session, loaded, period, squad=squad, now=datetime.now(UTC))
    if chosen is ReportFileFormat.CSV:
        out.write_text(report_csv(report), encoding="utf-8")
    elif chosen is ReportFileFormat.HTML:
        out.write_text(report_html(report), encoding="utf-8")
    else:
        out.write_bytes(pdf_of(report_html(report)))
    console().print(
        f"report {period} ({squad or 'district'}): {out}", highlight=False, soft_wrap=True
    )
