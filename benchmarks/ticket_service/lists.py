"""List latency: typical ``GET /api/v1/tickets`` requests timed over the full table."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.db.models import Ticket
from api.domain import TicketStatus
from api.routes.ticket_list import SortOrder, encode_cursor
from benchmarks.ticket_service.common import Bench, percentile, refuse

WARMUP_ROUNDS = 5
REVIEW_SORT = "-priority,score"
"""The review queue's order: urgent first, and the least sure detections first within a
priority."""
DEEP_SHARE = 0.9


def list_queries(bench: Bench, now: datetime) -> dict[str, dict[str, str]]:
    """Typical list requests (default page size 50), named as the table shows them."""
    with bench.engine.connect() as connection:
        top = connection.scalar(select(func.max(Ticket.id))) or 0
    squad = bench.fleet.places[len(bench.fleet.places) // 3].squad_code
    week = {"raised_from": now - timedelta(days=37), "raised_to": now - timedelta(days=30)}
    pending = TicketStatus.PENDING_REVIEW.value
    return {
        "first page": {},
        "status=pending_review": {"status": pending},
        f"review queue, status=pending_review sort={REVIEW_SORT}": {
            "status": pending,
            "sort": REVIEW_SORT,
        },
        f"sort={REVIEW_SORT}, cursor after 90 % of the rows": {
            "sort": REVIEW_SORT,
            "cursor": deep_cursor(bench, REVIEW_SORT),
        },
        "squad + 7-day raised_from/raised_to": {"squad": squad}
        | {k: v.isoformat() for k, v in week.items()},
        "keyset page after 90 % of the ids": {"after": str(int(top * DEEP_SHARE))},
        "newest_first=true": {"newest_first": "true"},
    }


def deep_cursor(bench: Bench, sort: str) -> str:
    """The cursor the list hands out for a page ending at ``DEEP_SHARE`` of the whole table in
    ``sort`` order (the service's own encoding, as if a client had paged that far); checked
    once: the page it opens starts with the next row."""
    order = SortOrder.parse(sort)
    with Session(bench.engine) as session:
        total = session.scalar(select(func.count(Ticket.id))) or 0
        ordered = select(Ticket).order_by(*order.order_by())
        last, following = session.scalars(ordered.offset(int(total * DEEP_SHARE) - 1).limit(2))
        cursor, expected = encode_cursor(order, last), f"T-{following.id}"
    params = {"sort": sort, "cursor": cursor, "limit": "1"}
    response = bench.client.get("/api/v1/tickets", params=params, headers=bearer(bench.token))
    if response.status_code != 200:
        refuse(response)
    if [row["ticket"] for row in response.json()] != [expected]:
        raise RuntimeError(f"the deep cursor page does not start at {expected}: {response.text}")
    return cursor


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def list_latency(
    bench: Bench, queries: dict[str, dict[str, str]], requests: int
) -> dict[str, dict[str, Any]]:
    """p50/p95 per query over ``requests`` timed rounds, the queries taken in turn."""
    headers = bearer(bench.token)
    times: dict[str, list[float]] = {name: [] for name in queries}
    shape: dict[str, dict[str, Any]] = {}
    for round_ in range(WARMUP_ROUNDS + requests):
        for name, params in queries.items():
            t0 = time.perf_counter()
            response = bench.client.get("/api/v1/tickets", params=params, headers=headers)
            elapsed = time.perf_counter() - t0
            if response.status_code != 200:
                refuse(response)
            if round_ >= WARMUP_ROUNDS:
                times[name].append(elapsed)
            shape[name] = {"params": params, "rows": len(response.json())}
            shape[name]["bytes"] = len(response.content)
    return {
        name: shape[name]
        | {"p50_ms": percentile(values, 50) * 1e3, "p95_ms": percentile(values, 95) * 1e3}
        for name, values in times.items()
    }
