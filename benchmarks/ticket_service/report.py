"""The results table (stdout and Markdown), every figure as JSON, and the machine they ran on."""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import fastapi
import httpx
import psycopg
import sqlalchemy
import uvicorn
from rich import box
from rich.console import Console
from rich.table import Table

INGEST_KEYS = ("ingest", "ingest_evidence", "ingest_full")


def machine(args: argparse.Namespace) -> dict[str, Any]:
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        cpuinfo = []
    models = [line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")]
    packages = (fastapi, uvicorn, sqlalchemy, psycopg, httpx)
    return {
        "date_utc": f"{datetime.now(UTC):%Y-%m-%d %H:%M}",
        "cpus": len(os.sched_getaffinity(0)),
        "cpu_model": models[0] if models else platform.processor() or "unknown",
        "python": platform.python_version(),
        "packages": {package.__name__: package.__version__ for package in packages},
        "server": f"uvicorn, 1 worker, in a {args.server}",
        "arguments": {k: str(v) for k, v in vars(args).items()},
    }


def table(results: Sequence[dict[str, Any]], style: box.Box) -> Table:
    grid = Table(box=style)
    grid.add_column(f"{results[0]['ingest']['tickets']} incidents per ingest run")
    for result in results:
        grid.add_column(result["version"], justify="right")
    full = results[0]["list_tickets_in_table"]
    for key, label in (
        ("ingest", "Ingest"),
        ("ingest_evidence", "Ingest + evidence upload"),
        ("ingest_full", f"Ingest, {full:,} tickets in the table"),
    ):
        grid.add_row(f"{label}: tickets/s", *(f"{r[key]['tickets_per_s']:.1f}" for r in results))
        grid.add_row(f"{label}: ms per ticket, p50 / p95", *(ms(r[key]) for r in results))
    grid.add_row(
        "Evidence upload: MB/s (MB per bundle)",
        *(
            f"{r['ingest_evidence']['mb_per_s']:.1f} ({r['ingest_evidence']['bundle_mb']:.2f})"
            for r in results
        ),
    )
    grid.add_row("Failures retried, 3 ingest runs", *(retried(r) for r in results))
    grid.add_row(
        "Acknowledged but not stored",
        *(str(sum(r[k]["missing"] for k in INGEST_KEYS)) for r in results),
    )
    grid.add_row(
        "Bulk load (set-up, SQLAlchemy Core): rows/s",
        *(f"{r['bulk']['rows_per_s']:,.0f}" for r in results),
    )
    for query in results[0]["list"]:
        label = f"List, {full:,} tickets, {query}: ms, p50 / p95"
        grid.add_row(label, *(ms(r["list"][query]) for r in results))
    return grid


def ms(figures: dict[str, Any]) -> str:
    return f"{figures['p50_ms']:.1f} / {figures['p95_ms']:.1f}"


def retried(result: dict[str, Any]) -> str:
    seen: Counter[str] = Counter()
    for key in INGEST_KEYS:
        seen.update(result[key]["retried"])
    return ", ".join(f"{count}× {code}" for code, count in sorted(seen.items())) or "none"


def write_report(
    out: Path, info: dict[str, Any], results: Sequence[dict[str, Any]], skipped: str | None
) -> None:
    """The table to stdout and ``<out>/tickets.md``, everything to ``<out>/tickets.json``."""
    report = {"machine": info, "results": results, "skipped": skipped}
    (out / "tickets.json").write_text(json.dumps(report, indent=2) + "\n")
    summary = (
        f"{info['date_utc']} UTC; {info['cpus']} CPUs ({info['cpu_model']}), Python "
        f"{info['python']}, {', '.join(r['version'] for r in results)}; {info['server']}; "
        f"{info['run_s']:.0f} s" + (f"; {skipped}" if skipped else "")
    )
    Console().print(table(results, box.HEAVY_HEAD), summary)
    markdown = Console(file=io.StringIO(), width=300, record=True)
    markdown.print(table(results, box.MARKDOWN), summary)
    lines = (line.strip() for line in markdown.export_text().splitlines())
    (out / "tickets.md").write_text("\n".join(line for line in lines if line) + "\n")
