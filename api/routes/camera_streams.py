"""Camera streams: admins assign a camera to a watch group (and take it out); a group's
driver (``streetorder watch --engine ray --api``) reads its streams every few seconds."""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Response, status
from sqlalchemy.orm import Session

from api.routes.auth import AuthDependencies, SessionDependency
from api.routes.callers import NODE, Caller, make_caller
from api.security.users import Role
from api.services.camera_streams import (
    AssignedStream,
    StreamSpec,
    assigned_streams,
    put_stream,
    remove_stream,
)
from detector.pipeline.streams import GROUP_PATTERN

CAMERA = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
ADMIN = Role.ADMIN.value
ANSWERS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Not logged in, or no valid X-API-Key."},
    403: {"description": "Only admins change streams; only admins and nodes read them."},
    404: {"description": "No such camera registered, or it has no stream."},
}


def build_router(get_session: SessionDependency, auth: AuthDependencies) -> APIRouter:
    router = APIRouter(prefix="/api/v1/cameras", tags=["cameras"])
    caller_dependency: Callable[..., Caller] = make_caller(get_session, auth)

    @router.get("/streams", response_model=list[AssignedStream], responses=ANSWERS)
    def list_streams(
        session: Annotated[Session, Depends(get_session, scope="function")],
        caller: Annotated[Caller, Depends(caller_dependency)],
        group: Annotated[str | None, Query(pattern=GROUP_PATTERN)] = None,
    ) -> list[AssignedStream]:
        """The streams of one watch group (or of all), sources in full: nodes and admins."""
        caller.require(NODE, ADMIN)
        return assigned_streams(session, group)

    @router.get("/{camera_id}/stream", response_model=AssignedStream, responses=ANSWERS)
    def get_stream(
        camera_id: Annotated[str, Path(pattern=CAMERA)],
        session: Annotated[Session, Depends(get_session, scope="function")],
        caller: Annotated[Caller, Depends(caller_dependency)],
    ) -> AssignedStream:
        caller.require(NODE, ADMIN)
        found = assigned_streams(session, camera_id=camera_id)
        if not found:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"camera {camera_id!r} has no stream")
        return found[0]

    @router.put("/{camera_id}/stream", response_model=AssignedStream, responses=ANSWERS)
    def put_stream_route(
        camera_id: Annotated[str, Path(pattern=CAMERA)],
        spec: StreamSpec,
        response: Response,
        session: Annotated[Session, Depends(get_session, scope="function")],
        caller: Annotated[Caller, Depends(caller_dependency)],
    ) -> AssignedStream:
        """Assign the camera to a watch group, or change how it runs; its group's driver
        starts (or restarts) it within seconds, the group's other cameras untouched."""
        caller.require(ADMIN)
        outcome = put_stream(session, camera_id, spec, actor=caller.actor, now=datetime.now(UTC))
        response.status_code = (
            status.HTTP_201_CREATED if outcome == "created" else status.HTTP_200_OK
        )
        return assigned_streams(session, camera_id=camera_id)[0]

    @router.delete(
        "/{camera_id}/stream",
        status_code=status.HTTP_204_NO_CONTENT,
        response_class=Response,
        responses=ANSWERS,
    )
    def delete_stream(
        camera_id: Annotated[str, Path(pattern=CAMERA)],
        session: Annotated[Session, Depends(get_session, scope="function")],
        caller: Annotated[Caller, Depends(caller_dependency)],
    ) -> Response:
        """Take the camera out of its group: its driver stops it within seconds (what its
        outbox holds is still delivered)."""
        caller.require(ADMIN)
        if not remove_stream(session, camera_id, actor=caller.actor, now=datetime.now(UTC)):
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"camera {camera_id!r} has no stream")
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    return router
