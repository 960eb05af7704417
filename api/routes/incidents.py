"""`POST /api/v1/incidents`: detector nodes hand in incidents; one ticket each, idempotent."""

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Response, status
from pydantic import BaseModel
from sqlalchemy.orm import Session

from api.db.engine import Database
from api.routes.auth import AuthDependencies
from api.services.tickets import ingest_committed, ticket_key
from detector.incidents.record import IncidentRecord

SessionDependency = Callable[[], Iterator[Session]]


class IngestResult(BaseModel):
    ticket: str
    """The ticket's id, e.g. ``T-12``."""
    status: str
    priority: str
    created: bool


def build_router(database: Database, auth: AuthDependencies) -> APIRouter:
    router = APIRouter(prefix="/api/v1", tags=["incidents"])

    @router.post(
        "/incidents",
        response_model=IngestResult,
        responses={201: {"model": IngestResult}, 401: {}, 404: {}, 422: {}},
    )
    def post_incident(
        incident: IncidentRecord,
        response: Response,
        actor: Annotated[str, Depends(auth.detector_node)],
    ) -> IngestResult:
        """Create the incident's ticket, or update it when the incident changed (200)."""
        done = ingest_committed(database, incident, actor=actor, now=datetime.now(UTC))
        response.status_code = status.HTTP_201_CREATED if done.created else status.HTTP_200_OK
        return IngestResult(
            ticket=ticket_key(done.ticket_id),
            status=done.status,
            priority=done.priority,
            created=done.created,
        )

    return router
