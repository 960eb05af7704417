"""Rectification photos: the ticket's squad uploads them (checked by decoding), anyone who may
see the ticket reads them back; ``rectify`` then names one by its ``photo_ref``."""

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Request, Response, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from api.db.engine import Database
from api.db.models import Ticket, User
from api.domain import AuditEntry, ValidationFailedError
from api.routes.auth import AuthDependencies, parse_ticket_id, visible
from api.routes.bodies import read_limited
from api.services import audit_log
from api.services.tickets import ticket_key
from api.storage import PHOTO_MEDIA_TYPES, DirectoryStore

SessionDependency = Callable[[], Iterator[Session]]
ACCEPTED_TYPES = frozenset(PHOTO_MEDIA_TYPES.values())

UPLOAD_ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {"description": "This photo was already stored for the ticket (same photo_ref)."},
    401: {"description": "Not logged in."},
    404: {"description": "No such ticket (or another squad's)."},
    413: {"description": "Larger than STREETORDER_MAX_PHOTO_BYTES."},
    415: {"description": "Content-Type is not image/jpeg or image/png."},
    422: {"description": "The body does not decode as a JPEG or PNG image."},
}


class StoredPhoto(BaseModel):
    photo_ref: str = Field(
        description="Where the photo lies in the evidence store "
        "(photos/T-<n>/<sha256>.<jpg|png>); give it to rectify."
    )
    sha256: str = Field(description="SHA-256 of the photo's bytes, hex.")
    url: str = Field(description="Where to read the photo back.")


def media_type_of(content_type: str | None) -> str:
    """``image/jpeg`` from ``image/jpeg; charset=…``; 415 for anything but JPEG or PNG."""
    media = (content_type or "").split(";")[0].strip().lower()
    if media not in ACCEPTED_TYPES:
        raise HTTPException(
            status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
            f"photo: send image/jpeg or image/png, not {media or 'no Content-Type'}",
        )
    return media


def require_photo(store: DirectoryStore, ticket: str, ref: str) -> None:
    """A rectification must show a photo uploaded for this very ticket (422 otherwise)."""
    if not store.has_photo(ticket, ref):
        raise ValidationFailedError(
            "photo_ref",
            f"no photo {ref!r} uploaded for {ticket}: POST it to "
            f"/api/v1/tickets/{ticket}/photos first and send the photo_ref it answers",
        )


def build_router(
    get_session: SessionDependency,
    database: Database,
    auth: AuthDependencies,
    store: DirectoryStore,
    max_bytes: int,
) -> APIRouter:
    router = APIRouter(prefix="/api/v1", tags=["photos"])

    def visible_key(ticket: str, user: User) -> str:
        with database.session() as session:
            return ticket_key(
                visible(session.get(Ticket, parse_ticket_id(ticket)), user, ticket).id
            )

    def keep(key: str, content: bytes, actor: str) -> tuple[StoredPhoto, bool]:
        ref, digest, created = store.put_photo(key, content)
        if created:
            audit(key, {"photo_ref": ref, "sha256": digest}, actor)
        url = f"/api/v1/tickets/{key}/photos/{ref.rpartition('/')[2]}"
        return StoredPhoto(photo_ref=ref, sha256=digest, url=url), created

    def audit(key: str, after: dict[str, Any], actor: str) -> None:
        entry = AuditEntry(
            at=datetime.now(UTC),
            actor=actor,
            action="photo",
            entity="ticket",
            entity_id=key,
            before=None,
            after=after,
        )
        database.committed(
            lambda session: audit_log.append(session, entry), f"photo audit of {key}"
        )

    @router.post(
        "/tickets/{ticket}/photos",
        response_model=StoredPhoto,
        status_code=status.HTTP_201_CREATED,
        responses=UPLOAD_ANSWERS,
    )
    async def upload_photo(
        ticket: str,
        request: Request,
        response: Response,
        user: Annotated[User, Depends(auth.current_user)],
        content_type: Annotated[str | None, Header(max_length=200)] = None,
    ) -> StoredPhoto:
        """The raw photo as the body (image/jpeg or image/png), for rectify; stored under its
        SHA-256, so sending the same photo again gives the same ``photo_ref`` (200)."""
        media_type_of(content_type)
        key = await run_in_threadpool(visible_key, ticket, user)
        content = await read_limited(request, max_bytes, "photo")
        photo, created = await run_in_threadpool(keep, key, content, user.username)
        response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return photo

    @router.get("/tickets/{ticket}/photos/{name}", responses={404: {"description": "No such."}})
    def get_photo(
        ticket: str,
        name: str,
        session: Annotated[Session, Depends(get_session, scope="function")],
        user: Annotated[User, Depends(auth.current_user)],
    ) -> FileResponse:
        """A photo uploaded for the ticket, for anyone who may see the ticket."""
        row = visible(session.get(Ticket, parse_ticket_id(ticket)), user, ticket)
        path = store.photo_path(ticket_key(row.id), name)
        if path is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no photo {name!r} for {ticket}")
        return FileResponse(path, media_type=PHOTO_MEDIA_TYPES[path.suffix.lstrip(".")])

    return router
