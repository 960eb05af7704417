"""Camera streams: admins assign a camera to a watch group (and take it out); a group's
driver (``streetorder watch --engine ray --api``) reads its streams every few seconds."""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Response, status
from sqlalchemy.orm import Session

from api.db.engine import Database
from api.routes.auth import AuthDependencies, SessionDependency
from api.routes.callers import NODE, Caller, make_caller
from api.security.users import Role
from api.services.camera_streams import (
    AssignedStream,
    StreamSpec,
    assigned_streams,
    put_stream_committed,
    remove_stream_committed,
)
from detector.pipeline.streams import GROUP_PATTERN

CAMERA = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
ADMIN = Role.ADMIN.value
ANSWERS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Not logged in, or no valid X-API-Key."},
    403: {"description": "Only admins change or read one stream; nodes read their group's."},
    404: {"description": "No such camera registered, or it has no stream."},
}
PUT_ANSWERS = ANSWERS | {409: {"description": "Another admin assigned it at the same moment."}}
LIST_ANSWERS = ANSWERS | {422: {"description": "A detector node asked without ?group=NAME."}}


def build_router(
    get_session: SessionDependency, database: Database, auth: AuthDependencies
) -> APIRouter:
    router = APIRouter(prefix="/api/v1/cameras", tags=["cameras"])
    caller_dependency: Callable[..., Caller] = make_caller(get_session, auth)

    @router.get("/streams", response_model=list[AssignedStream], responses=LIST_ANSWERS)
    def list_streams(
        session: Annotated[Session, Depends(get_session, scope="function")],
        caller: Annotated[Caller, Depends(caller_dependency)],
        group: Annotated[str | None, Query(pattern=GROUP_PATTERN)] = None,
    ) -> list[AssignedStream]:
        """The streams of one watch group, sources in full: for its nodes and admins (only
        admins may leave ``group`` out and see every group's)."""
        caller.require(NODE, ADMIN)
        if group is None and caller.role == NODE:
            # A node key would otherwise read every group's camera passwords at once.
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT,
                "detector nodes ask for one group's streams: ?group=NAME",
            )
        return assigned_streams(session, group)

    @router.get("/{camera_id}/stream", response_model=AssignedStream, responses=ANSWERS)
    def get_stream(
        camera_id: Annotated[str, Path(pattern=CAMERA)],
        session: Annotated[Session, Depends(get_session, scope="function")],
        caller: Annotated[Caller, Depends(caller_dependency)],
    ) -> AssignedStream:
        """One camera's stream, source in full: admins only (a node reads its group's)."""
        caller.require(ADMIN)
        found = assigned_streams(session, camera_id=camera_id)
        if not found:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"camera {camera_id!r} has no stream")
        return found[0]

    @router.put("/{camera_id}/stream", response_model=AssignedStream, responses=PUT_ANSWERS)
    def put_stream_route(
        camera_id: Annotated[str, Path(pattern=CAMERA)],
        spec: StreamSpec,
        response: Response,
        caller: Annotated[Caller, Depends(caller_dependency)],
    ) -> AssignedStream:
        """Assign the camera to a watch group, or change how it runs; its group's driver
        starts (or restarts) it within seconds, the group's other cameras untouched."""
        caller.require(ADMIN)
        now = datetime.now(UTC)
        outcome, stream = put_stream_committed(
            database, camera_id, spec, actor=caller.actor, now=now
        )
        response.status_code = (
            status.HTTP_201_CREATED if outcome == "created" else status.HTTP_200_OK
        )
        return stream

    @router.delete(
        "/{camera_id}/stream",
        status_code=status.HTTP_204_NO_CONTENT,
        response_class=Response,
        responses=ANSWERS,
    )
    def delete_stream(
        camera_id: Annotated[str, Path(pattern=CAMERA)],
        caller: Annotated[Caller, Depends(caller_dependency)],
    ) -> Response:
        """Take the camera out of its group: its driver stops it within seconds (what its
        outbox holds is still delivered)."""
        caller.require(ADMIN)
        now = datetime.now(UTC)
        if not remove_stream_committed(database, camera_id, actor=caller.actor, now=now):
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"camera {camera_id!r} has no stream")
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    return router
