"""Evidence bundles: detector nodes upload them (re-hashed here); people read their files."""

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.db.engine import Database
from api.db.models import Ticket, User
from api.domain import AuditEntry
from api.routes.auth import AuthDependencies, parse_ticket_id, visible
from api.routes.bodies import read_limited
from api.services import audit_log
from api.services.tickets import ticket_key
from api.storage import MEDIA_TYPES, DirectoryStore

SessionDependency = Callable[[], Iterator[Session]]


class StoredBundle(BaseModel):
    incident_id: str
    manifest_sha256: str


def build_router(
    get_session: SessionDependency,
    database: Database,
    auth: AuthDependencies,
    store: DirectoryStore,
    max_bytes: int,
) -> APIRouter:
    router = APIRouter(prefix="/api/v1", tags=["evidence"])

    def store_bundle(incident_id: str, archive: bytes, actor: str) -> StoredBundle:
        with database.session() as session:
            ticket = session.scalars(
                select(Ticket).where(Ticket.incident_id == incident_id)
            ).first()
            if ticket is None:
                raise HTTPException(status.HTTP_404_NOT_FOUND, f"no ticket for {incident_id}")
            digest = store.put_bundle(incident_id, archive, None)
            if ticket.manifest_sha256 != digest:
                before = {"manifest_sha256": ticket.manifest_sha256}
                ticket.manifest_sha256 = digest
                ticket.evidence_path = incident_id
                entry = AuditEntry(
                    at=datetime.now(UTC),
                    actor=actor,
                    action="evidence",
                    entity="ticket",
                    entity_id=ticket_key(ticket.id),
                    before=before,
                    after={"manifest_sha256": digest},
                )
                audit_log.append(session, entry)
            return StoredBundle(incident_id=incident_id, manifest_sha256=digest)

    @router.put("/incidents/{incident_id}/bundle", response_model=StoredBundle)
    async def put_bundle(
        incident_id: str, request: Request, actor: Annotated[str, Depends(auth.detector_node)]
    ) -> StoredBundle:
        """A tar of the bundle folder; refused (422) when a file does not match the manifest."""
        archive = await read_limited(request, max_bytes, "bundle")
        return await run_in_threadpool(store_bundle, incident_id, archive, actor)

    @router.get("/tickets/{ticket}/evidence/{name}")
    def get_evidence(
        ticket: str,
        name: str,
        session: Annotated[Session, Depends(get_session, scope="function")],
        user: Annotated[User, Depends(auth.current_user)],
    ) -> FileResponse:
        """One file of the ticket's bundle; video supports HTTP range requests (seeking)."""
        row = visible(session.get(Ticket, parse_ticket_id(ticket)), user, ticket)
        path = store.path_of(row.incident_id, name) if row.manifest_sha256 else None
        if path is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no evidence file {name!r}")
        return FileResponse(path, media_type=MEDIA_TYPES[name])

    return router
