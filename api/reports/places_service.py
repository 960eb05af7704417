"""Repeat places from the database, and their escalation to major supervision (重点督办).

Escalating raises each open ticket of a repeat place to ``high`` priority (never lowering one
set higher, e.g. ``urgent``) and records ``state.escalation``; every change is audited
(action ``escalate``). A ticket already escalated is left alone, so escalating again changes
nothing and writes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.db.models import KeyPoint, Squad, Ticket
from api.domain import COUNTED_STATUSES, AuditEntry, Priority, TicketState, TicketStatus
from api.domain.lifecycle import Escalation
from api.plan.model import Plan
from api.reports.repeat_places import Problem, look_back_problems, repeat_places
from api.services import audit_log
from api.services.tickets import ticket_key

LOOK_BACK_REACH = timedelta(days=180)
"""Look-backs come days or weeks after a ticket is raised: tickets raised longer than this
before a window are not read for them."""
OPEN_STATUSES = frozenset(
    {
        TicketStatus.PENDING_REVIEW,
        TicketStatus.CONFIRMED,
        TicketStatus.DISPATCHED,
        TicketStatus.RECTIFIED,
        TicketStatus.REINSPECTED,
    }
)
_RANK = {Priority.NORMAL.value: 0, Priority.HIGH.value: 1, Priority.URGENT.value: 2}


class PlaceTicket(BaseModel):
    ticket: str = Field(description="T-n")
    status: str
    priority: str
    raised_at: datetime
    deadline: datetime | None
    escalated: bool = Field(description="Under major supervision (state.escalation is set).")


class PlaceProblem(BaseModel):
    ticket: str = Field(description="T-n")
    at: datetime = Field(description="raised_at of the ticket or checked_at of the look-back.")
    source: str = Field(description="ticket or look_back (the violation found back).")


class RepeatPlaceView(BaseModel):
    key_point: str = Field(description="Key point code.")
    key_point_name: str
    category: str = Field(description="Key-point category code.")
    squad: str | None = Field(description="The key point's squad code.")
    type: str = Field(description="Violation code.")
    count: int = Field(description="The most problems within one window.")
    problems: list[PlaceProblem] = Field(description="Oldest first.")
    tickets: list[PlaceTicket]


@dataclass(frozen=True)
class _Place:
    key_point: KeyPoint
    squad: str | None


def _load(
    session: Session, start: datetime, end: datetime, window: timedelta, squad_id: int | None
) -> tuple[list[Problem], dict[str, Ticket], dict[str, _Place]]:
    query = (
        select(Ticket, KeyPoint)
        .join(KeyPoint, KeyPoint.id == Ticket.key_point_id)
        .where(Ticket.status.in_([status.value for status in COUNTED_STATUSES]))
        .where(Ticket.raised_at >= start - window - LOOK_BACK_REACH, Ticket.raised_at <= end)
    )
    if squad_id is not None:
        query = query.where(Ticket.squad_id == squad_id)
    squads = dict(session.execute(select(Squad.id, Squad.code)).all())
    problems: list[Problem] = []
    tickets: dict[str, Ticket] = {}
    places: dict[str, _Place] = {}
    for row, key_point in session.execute(query):
        key = ticket_key(row.id)
        tickets[key] = row
        squad = None if key_point.squad_id is None else squads.get(key_point.squad_id)
        places[key_point.code] = _Place(key_point, squad)
        problems.append(Problem(key, key_point.code, row.type, row.raised_at))
        problems.extend(look_back_problems(key, key_point.code, row.type, row.state))
    return problems, tickets, places


def _ticket_view(row: Ticket) -> PlaceTicket:
    return PlaceTicket(
        ticket=ticket_key(row.id),
        status=row.status,
        priority=row.priority,
        raised_at=row.raised_at,
        deadline=row.deadline,
        escalated=isinstance(row.state, dict) and row.state.get("escalation") is not None,
    )


def find_places(
    session: Session,
    plan: Plan,
    *,
    start: datetime,
    end: datetime,
    squad_id: int | None = None,
) -> list[RepeatPlaceView]:
    """The repeat places of ``[start, end]`` (``start == end``: at that moment) with their
    problems and tickets; ``squad_id`` keeps that squad's tickets only."""
    window = timedelta(days=plan.repeat.window_days)
    problems, tickets, places = _load(session, start, end, window, squad_id)
    found = repeat_places(
        problems, threshold=plan.repeat.threshold, window=window, start=start, end=end
    )
    views = []
    for place in found:
        where = places[place.key_point]
        views.append(
            RepeatPlaceView(
                key_point=place.key_point,
                key_point_name=where.key_point.name,
                category=where.key_point.category,
                squad=where.squad,
                type=place.type,
                count=place.count,
                problems=[
                    PlaceProblem(ticket=p.ticket, at=p.at_utc, source=p.source.value)
                    for p in place.problems
                ],
                tickets=[_ticket_view(tickets[key]) for key in place.tickets],
            )
        )
    return views


class EscalatedPlace(BaseModel):
    key_point: str
    type: str
    count: int
    escalated: list[str] = Field(description="Tickets escalated now (T-n).")


class EscalationResult(BaseModel):
    places: list[EscalatedPlace] = Field(description="Every repeat place found now.")
    escalated: int = Field(description="Tickets escalated by this call.")
    unchanged: int = Field(description="Open tickets of those places already escalated.")


def _escalate_ticket(session: Session, row: Ticket, count: int, actor: str, now: datetime) -> bool:
    state = TicketState.model_validate(row.state)
    if state.escalation is not None:
        return False
    escalation = Escalation(level="major", at=now, by=actor, count=count)
    before = {"priority": row.priority, "escalation": None}
    if _RANK.get(row.priority, 0) < _RANK[Priority.HIGH.value]:
        row.priority = Priority.HIGH.value
    row.state = state.model_copy(update={"escalation": escalation}).model_dump(mode="json")
    row.updated_at = now
    session.flush()
    after = {"priority": row.priority, "escalation": escalation.model_dump(mode="json")}
    entry = AuditEntry(
        at=now,
        actor=actor,
        action="escalate",
        entity="ticket",
        entity_id=ticket_key(row.id),
        before=before,
        after=after,
    )
    audit_log.append(session, entry)
    return True


def open_tickets(session: Session, key_point: str, kind: str) -> Sequence[Ticket]:
    """The open tickets (pending review to rectified) of one place and type, oldest first."""
    return session.scalars(
        select(Ticket)
        .join(KeyPoint, KeyPoint.id == Ticket.key_point_id)
        .where(KeyPoint.code == key_point, Ticket.type == kind)
        .where(Ticket.status.in_([status.value for status in OPEN_STATUSES]))
        .order_by(Ticket.raised_at, Ticket.id)
    ).all()


def escalate(session: Session, plan: Plan, *, actor: str, now: datetime) -> EscalationResult:
    """Escalate the open tickets of every place that is a repeat place at ``now``."""
    places = find_places(session, plan, start=now, end=now)
    result = []
    escalated = unchanged = 0
    for place in places:
        done = []
        for row in open_tickets(session, place.key_point, place.type):
            if _escalate_ticket(session, row, place.count, actor, now):
                done.append(ticket_key(row.id))
            else:
                unchanged += 1
        escalated += len(done)
        result.append(
            EscalatedPlace(
                key_point=place.key_point, type=place.type, count=place.count, escalated=done
            )
        )
    return EscalationResult(places=result, escalated=escalated, unchanged=unchanged)
