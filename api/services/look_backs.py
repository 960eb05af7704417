"""Look back (回头看) through the service: which rounds are due on a camera, and recording a
round's result as the ticket's ``look_back`` action (audited like any other action)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.db.engine import ATTEMPTS, Database
from api.db.models import Camera, Ticket
from api.domain import StaleTicketError, TicketState, ValidationFailedError
from api.plan.lookback import (
    LOOKED_BACK_AT,
    STALE_AFTER,
    LookBackResult,
    decide,
    due_rounds,
)
from api.plan.model import LookBackRule
from api.services.tickets import NotFoundError, act, ticket_key

log = logging.getLogger(__name__)


class BoxXyxy(BaseModel):
    """A box in source pixels of the camera's frame."""

    x1: float
    y1: float
    x2: float
    y2: float


class DueLookBack(BaseModel):
    ticket: str
    """``T-<n>``."""
    camera: str
    type: str
    """The violation to look for (after any reclassification)."""
    box_xyxy: BoxXyxy
    """Where the violation was, in source pixels: the zone to look at again."""
    round: int
    due_at: datetime
    delay_days: int
    """Days after the rectification this round is due."""


def due_look_backs(
    session: Session, rule: LookBackRule, *, now: datetime, camera: str | None = None
) -> list[DueLookBack]:
    """Every round due at ``now`` and not recorded, by ticket and round (on ``camera`` only,
    when given; 422 for an unknown camera)."""
    if camera is not None and session.get(Camera, camera) is None:
        raise ValidationFailedError("camera", f"unknown camera {camera!r}")
    # A rectification (or anything later) moved updated_at past itself, so a ticket untouched
    # since before the oldest due time still listed cannot have a round due.
    oldest = now - STALE_AFTER - timedelta(days=max(rule.delays_days))
    query = select(Ticket).where(
        Ticket.status.in_([status.value for status in LOOKED_BACK_AT]), Ticket.updated_at >= oldest
    )
    if camera is not None:
        query = query.where(Ticket.camera_id == camera)
    due: list[DueLookBack] = []
    for row in session.scalars(query.order_by(Ticket.id)):
        x1, y1, x2, y2 = row.box()
        for item in due_rounds(TicketState.model_validate(row.state), rule, now):
            due.append(
                DueLookBack(
                    ticket=ticket_key(row.id),
                    camera=row.camera_id,
                    type=row.type,
                    box_xyxy=BoxXyxy(x1=x1, y1=y1, x2=x2, y2=y2),
                    round=item.round,
                    due_at=item.due_at,
                    delay_days=item.delay_days,
                )
            )
    return due


def record_look_back(
    database: Database,
    ticket_id: int,
    result: LookBackResult,
    rule: LookBackRule,
    *,
    actor: str,
    now: datetime,
) -> bool:
    """Record ``result`` on the ticket in its own transaction; ``False`` when the same outcome
    was already on record (nothing written). Conflicts raise ``LookBackConflictError``."""
    for attempt in range(1, ATTEMPTS + 1):
        with database.session() as session:
            row = session.get(Ticket, ticket_id)
            if row is None:
                raise NotFoundError(f"no ticket {ticket_key(ticket_id)}")
            state = TicketState.model_validate(row.state)
        action = decide(state, result, rule, now)
        if action is None:
            return False
        try:
            act(database, ticket_id, action, actor=actor, now=now, expected_version=state.version)
        except StaleTicketError:
            # Changed between reading and writing (another node's result?): decide again.
            if attempt == ATTEMPTS:
                raise
            log.info("ticket %s changed during a look-back; deciding again", state.id)
        else:
            return True
    raise AssertionError("unreachable")
