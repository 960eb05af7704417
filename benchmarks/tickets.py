"""Ticket-service benchmark: ingest rate and list latency, SQLite and PostgreSQL side by side.

Run from the repository root::

    .venv/bin/python benchmarks/tickets.py [--tickets 100000] [--ingest 300] [--requests 50]
        [--postgres-url URL] [--server process|thread] [--out var/bench]

For each backend the service is built by ``create_app(ApiSettings(data_dir=..., database_url=
...))`` and served by uvicorn on a free port of 127.0.0.1 (in a child process by default, so it
does not share this process's GIL); everything timed goes through HTTP with httpx, as a
detector node or the UI sees it. SQLite is a WAL-mode file in a fresh temporary folder (the
embedded default). The PostgreSQL database is emptied first (every table, ``alembic_version``
too), so reruns start clean, and skipped with a message when it cannot be reached.

1. Ingest ``--ingest`` distinct incidents into the new service, one request after another
   (one detector node): ``POST /api/v1/incidents``, then as many more each followed by
   ``PUT /api/v1/incidents/{id}/bundle``. The bundles are written beforehand, untimed, by the
   detector's ``write_bundle``; each incident gets its own, as its ``incident.json`` (hashed
   into the manifest) names it and the store refuses a bundle that names another incident.
2. Delete those tickets, insert ``--tickets`` with SQLAlchemy Core (90 days of history, ids in
   raise order), then time ``GET /api/v1/tickets`` for seven typical queries (the review
   queue's sort and a deep cursor page among them), taken in turn, after a warm-up.
3. Ingest again on top of the history: the repeat rule reads the place's past tickets.

Answers that a detector node would retry (500, a dropped connection, and 404 for a bundle
whose ticket is not visible) are retried and counted; right after each run every acknowledged
ticket is checked to be in the database. The table goes to stdout (as Markdown to
``<out>/tickets.md``), every figure to ``<out>/tickets.json``, progress to stderr.

The helpers are in ``benchmarks/ticket_service/``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

# Run as a script, only benchmarks/ is on the path; the helpers are imported as
# benchmarks.ticket_service.*, as mypy checks them.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
from sqlalchemy import delete, func, select

from api.db.engine import Database
from api.db.models import AuditRecord, Ticket
from benchmarks.ticket_service.common import PASSWORD, USER, Bench, log
from benchmarks.ticket_service.history import bulk_insert, set_up
from benchmarks.ticket_service.ingest_runs import (
    CLIP,
    Clip,
    bundle_tars,
    incidents,
    ingest,
    render_clip,
)
from benchmarks.ticket_service.lists import list_latency, list_queries
from benchmarks.ticket_service.report import machine, write_report
from benchmarks.ticket_service.server import reset_postgres, running_service, server_version

POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/so_bench"
WARMUP_INGESTS = 10


def run_backend(name: str, url: str, work: Path, clip: Clip, args: argparse.Namespace) -> Any:
    now = datetime.now(UTC)
    database = Database(url)
    result: dict[str, Any] = {"backend": name, "version": server_version(database.engine)}
    try:
        with (
            running_service(args.server, work / name, url) as base,
            httpx.Client(base_url=base, timeout=60) as client,
        ):
            fleet = set_up(database, now)
            credentials = {"username": USER, "password": PASSWORD}
            answer = client.post("/api/v1/auth/token", json=credentials).raise_for_status()
            bench = Bench(name, client, database.engine, fleet, answer.json()["access_token"], args)
            result |= empty_table_runs(bench, work / f"bundles-{name}", clip, now)
            result |= full_table_runs(bench, now)
    finally:
        database.dispose()
    return result


def empty_table_runs(bench: Bench, bundles: Path, clip: Clip, now: datetime) -> dict[str, Any]:
    """Ingest into a new service, without and with evidence; then the tickets are deleted."""
    count = bench.args.ingest
    log(f"{bench.name}: writing {count} evidence bundles (untimed)")
    plain, evidence = (incidents(bench.fleet, tag, count, now) for tag in ("in", "ev"))
    archives = bundle_tars(bundles, evidence, clip)
    ingest(bench, incidents(bench.fleet, "warm", WARMUP_INGESTS, now))
    result = {"ingest": ingest(bench, plain), "ingest_evidence": ingest(bench, evidence, archives)}
    with bench.engine.begin() as connection:  # the history gets the ids before new tickets
        connection.execute(delete(AuditRecord))
        connection.execute(delete(Ticket))
    return result


def full_table_runs(bench: Bench, now: datetime) -> dict[str, Any]:
    """90 days of history, the lists over it, then new incidents on top of it."""
    result: dict[str, Any] = {
        "bulk": bulk_insert(bench.engine, bench.fleet, bench.args.tickets, now)
    }
    log(f"{bench.name}: bulk insert, {result['bulk']['rows_per_s']:.0f} rows/s")
    with bench.engine.connect() as connection:
        result["list_tickets_in_table"] = connection.scalar(select(func.count(Ticket.id)))
    log(f"{bench.name}: list latency, {bench.args.requests} requests per query")
    queries = list_queries(bench, now)
    result["list"] = list_latency(bench, queries, bench.args.requests)
    later = incidents(bench.fleet, "full", bench.args.ingest, datetime.now(UTC))
    result["ingest_full"] = ingest(bench, later)
    return result


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--tickets", type=int, default=100_000, help="tickets for the lists")
    parser.add_argument("--ingest", type=int, default=300, help="incidents per ingest run")
    parser.add_argument("--requests", type=int, default=50, help="timed requests per query")
    parser.add_argument("--postgres-url", default=POSTGRES_URL, help="emptied first")
    parser.add_argument("--server", choices=("process", "thread"), default="process")
    parser.add_argument("--out", type=Path, default=Path("var/bench"), help="results folder")
    args = parser.parse_args(argv)
    if min(args.ingest, args.requests, args.tickets) < 1:
        parser.error("--tickets, --ingest and --requests must be positive")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    started, load_before = time.perf_counter(), os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="bench-tickets-") as tmp:
        work = Path(tmp)
        log(f"rendering the {CLIP.duration_s:g} s evidence clip")
        clip = render_clip(work)
        url = f"sqlite:///{work / 'sqlite' / 'streetorder.db'}"
        results = [run_backend("sqlite", url, work, clip, args)]
        skipped = reset_postgres(args.postgres_url)
        if skipped is None:
            results.append(run_backend("postgresql", args.postgres_url, work, clip, args))
        else:
            log(f"skipping PostgreSQL: {skipped}")
    info = machine(args) | {"run_s": round(time.perf_counter() - started, 1)}
    info["load_average_1_5_15_min"] = {"start": load_before, "end": os.getloadavg()}
    write_report(args.out, info, results, skipped)
    return 0


if __name__ == "__main__":
    sys.exit(main())
