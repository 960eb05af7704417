"""The places, people and keys of the benchmark, and 90 days of tickets bulk-inserted."""

from __future__ import annotations

import random
import time
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, insert, select, text

from api.db.engine import Database
from api.db.models import Camera, KeyPoint, Squad, Ticket
from api.domain import Rectification, TicketState, TicketStatus
from api.security.api_keys import issue_key
from api.security.users import Role, add_user
from benchmarks.ticket_service.common import PASSWORD, TYPES, USER, Fleet, Place

SQUADS, KEY_POINTS_PER_SQUAD, CAMERAS_PER_KEY_POINT = 6, 2, 2
CATEGORIES = ("market", "school", "metro_station", "key_road", "hospital", "scenic_area")
TYPE_WEIGHTS = (30, 25, 15, 12, 8, 5, 5)
HISTORY_DAYS, CHUNK_ROWS = 90, 5000
S = TicketStatus
STATUSES = (
    S.PENDING_REVIEW,
    S.CONFIRMED,
    S.DISPATCHED,
    S.RECTIFIED,
    S.CLOSED,
    S.REJECTED,
    S.MERGED,
)
STATUS_BY_AGE = (
    (1.0, (70, 10, 10, 0, 0, 10, 0)),
    (7.0, (8, 4, 30, 15, 25, 15, 3)),
    (float("inf"), (1, 1, 3, 3, 70, 18, 4)),
)
"""Weights of ``STATUSES`` by a ticket's age in days (below the limit): recent tickets wait for
review, old ones are closed or rejected."""


def set_up(database: Database, now: datetime) -> Fleet:
    """Squads, each with key points and cameras; a detector node's API key; a supervisor."""
    places = []
    with database.session() as session:
        for q in range(1, SQUADS + 1):
            squad = Squad(code=f"squad-{q}", name=f"Squad {q} 中队")
            session.add(squad)
            session.flush()
            for k in range(1, KEY_POINTS_PER_SQUAD + 1):
                category = CATEGORIES[(q * KEY_POINTS_PER_SQUAD + k) % len(CATEGORIES)]
                point = KeyPoint(
                    code=f"{squad.code}-{category}",
                    name=f"{squad.code} {category}",
                    category=category,
                    squad_id=squad.id,
                )
                session.add(point)
                session.flush()
                for c in range(1, CAMERAS_PER_KEY_POINT + 1):
                    camera = Camera(id=f"cam-{q}-{k}-{c}", key_point_id=point.id, squad_id=squad.id)
                    session.add(camera)
                    places.append(Place(camera.id, point.id, squad.id, squad.code))
        key = issue_key(session, "bench-node", now=now).plain
        add_user(session, USER, PASSWORD, Role.SUPERVISOR, now=now)
    return Fleet(tuple(places), key)


def state_of(
    ticket_id: int, status: TicketStatus, kind: str, raised: datetime, place: Place
) -> dict[str, Any]:
    """The life-cycle record a ticket in ``status`` carries (``api.domain.TicketState``)."""
    later = raised + timedelta(hours=2)
    values: dict[str, Any] = {"id": f"T-{ticket_id}", "status": status, "raised_at": raised}
    values["violation_type"] = kind
    if status not in (S.PENDING_REVIEW, S.REJECTED, S.MERGED):
        values |= {"confirmed_at": later, "confirmed_by": USER, "version": 2}
    if status in (S.DISPATCHED, S.RECTIFIED, S.CLOSED):
        values |= {"squad": place.squad_code, "deadline": later + timedelta(days=2)}
    if status in (S.RECTIFIED, S.CLOSED):
        values["rectification"] = Rectification(
            photo_ref=f"photos/T-{ticket_id}.jpg", note="cleared", at=later, by="squad member"
        )
    if status is S.CLOSED:
        values["closed_at"] = later + timedelta(days=1)
    if status is S.REJECTED:
        values |= {"reject_reason": "false_detection", "reject_note": ""}
    if status is S.MERGED:
        values["merged_into"] = f"T-{max(1, ticket_id - 1)}"
    return TicketState.model_validate(values).model_dump(mode="json")


def ticket_row(
    ticket_id: int, raised: datetime, now: datetime, place: Place, rng: random.Random
) -> dict[str, Any]:
    age_days = (now - raised).total_seconds() / 86400
    weights = next(w for limit, w in STATUS_BY_AGE if age_days < limit)
    status = rng.choices(STATUSES, weights)[0]
    kind = rng.choices(TYPES, TYPE_WEIGHTS)[0]
    x, y, score = rng.uniform(0, 1700), rng.uniform(0, 900), round(rng.uniform(0.5, 0.99), 3)
    incident_id = f"{place.camera}-hist-{ticket_id:07d}"
    return {
        "id": ticket_id,
        "incident_id": incident_id,
        "type": kind,
        "camera_id": place.camera,
        "key_point_id": place.key_point_id,
        "squad_id": place.squad_id,
        "status": status.value,
        "priority": rng.choices(("normal", "high", "urgent"), (85, 12, 3))[0],
        "first_seen_at": raised - timedelta(seconds=45),
        "raised_at": raised,
        "ended_at": None,
        "box_xyxy": {"x1": x, "y1": y, "x2": x + 120, "y2": y + 90},
        "score": score,
        "scores": {"static_change": score, "objects": round(score * 0.9, 3)},
        "evidence_path": incident_id,
        "manifest_sha256": f"{ticket_id:064x}",
        "state": state_of(ticket_id, status, kind, raised, place),
        "version": 1,
        "created_at": raised + timedelta(seconds=2),
        "updated_at": raised + timedelta(hours=3),
    }


def bulk_insert(engine: Engine, fleet: Fleet, total: int, now: datetime) -> dict[str, Any]:
    """Top the table up to ``total`` tickets raised over the last 90 days, ids in raise order."""
    rng = random.Random(20261127)
    camera_weights = [1 + (i * 7) % 4 for i in range(len(fleet.places))]  # busy and quiet ones
    started = time.perf_counter()
    with engine.begin() as connection:
        first = (connection.scalar(select(func.max(Ticket.id))) or 0) + 1
        count = max(0, total - (connection.scalar(select(func.count(Ticket.id))) or 0))
        span_s = HISTORY_DAYS * 86400
        moments = sorted(rng.uniform(0, span_s) for _ in range(count))
        places = rng.choices(fleet.places, camera_weights, k=count)
        rows: list[dict[str, Any]] = []
        for offset, moment in enumerate(moments):
            raised = now - timedelta(seconds=span_s - moment)
            rows.append(ticket_row(first + offset, raised, now, places[offset], rng))
            if len(rows) == CHUNK_ROWS or offset == count - 1:
                connection.execute(insert(Ticket), rows)
                rows = []
        if engine.dialect.name == "postgresql":
            top = "SELECT setval(pg_get_serial_sequence('ticket', 'id'), max(id)) FROM ticket"
            connection.execute(text(top))
    wall_s = time.perf_counter() - started
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("ANALYZE ticket"))  # as autovacuum would within a minute
    return {"rows": count, "wall_s": wall_s, "rows_per_s": count / wall_s if wall_s else 0.0}
