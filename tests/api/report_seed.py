"""Tickets in a chosen status at a chosen time, committed beside the ``client`` fixture's rows,
for the repeat-place, notice and report tests (the ``client`` fixture purges them)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from api.domain import TicketState
from api.services.tickets import ingest, ticket_key
from tests.factories import make_incident


def add_ticket(
    engine: Engine,
    incident_id: str,
    raised_at: datetime,
    status: str,
    *,
    kind: str = "clutter",
    camera: str = "cam-east",
    rectified_at: datetime | None = None,
    deadline: datetime | None = None,
    priority: str | None = None,
    **state: Any,
) -> str:
    """Ingest an incident, then put its ticket in ``status`` (and the given state fields);
    returns ``T-n``."""
    with Session(engine) as session, session.begin():
        incident = make_incident(
            id=incident_id, camera=camera, type=kind, raised_s=None, raised_at=raised_at
        )
        row, _ = ingest(session, incident, actor="node:test", now=raised_at)
        fields: dict[str, Any] = {"status": status, "deadline": deadline, **state}
        if rectified_at is not None:
            fields["rectification"] = {
                "photo_ref": "photos/x.jpg",
                "note": "",
                "at": rectified_at,
                "by": "li-east",
            }
        current = TicketState.model_validate(row.state).model_dump()
        row.state = TicketState.model_validate(current | fields).model_dump(mode="json")
        row.status, row.deadline = status, deadline
        if priority is not None:
            row.priority = priority
        return ticket_key(row.id)
