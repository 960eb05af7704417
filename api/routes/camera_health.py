"""Camera health: detector nodes report each camera's state; people see every camera's.

Squad members see their own squad's cameras; supervisors and admins see all. Only detector
nodes report (with their ``X-API-Key``).
"""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Response, status
from sqlalchemy.orm import Session

from api.db.models import User
from api.routes.auth import AuthDependencies, SessionDependency
from api.routes.callers import NODE, Caller, make_caller
from api.security.users import Role
from api.services.camera_health import (
    CameraHealthView,
    HealthReport,
    camera_health,
    record_report,
)

CAMERA = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
REPORT_ANSWERS: dict[int | str, dict[str, Any]] = {
    204: {"description": "Kept as the camera's latest report."},
    401: {"description": "No valid X-API-Key."},
    403: {"description": "Only detector nodes report camera health."},
    404: {"description": "No such camera registered."},
}


def build_router(
    get_session: SessionDependency, auth: AuthDependencies, stale_after: timedelta
) -> APIRouter:
    router = APIRouter(prefix="/api/v1/cameras", tags=["cameras"])
    caller_dependency: Callable[..., Caller] = make_caller(get_session, auth)

    @router.put(
        "/{camera_id}/health",
        status_code=status.HTTP_204_NO_CONTENT,
        response_class=Response,
        responses=REPORT_ANSWERS,
    )
    def report_health(
        camera_id: Annotated[str, Path(pattern=CAMERA)],
        report: HealthReport,
        session: Annotated[Session, Depends(get_session, scope="function")],
        caller: Annotated[Caller, Depends(caller_dependency)],
    ) -> Response:
        """A node's latest word on one of its cameras (replaces the one before)."""
        caller.require(NODE)
        if not record_report(session, camera_id, report, datetime.now(UTC)):
            raise HTTPException(
                status.HTTP_404_NOT_FOUND, f"camera {camera_id!r} is not registered"
            )
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    @router.get("/health", response_model=list[CameraHealthView])
    def list_health(
        session: Annotated[Session, Depends(get_session, scope="function")],
        user: Annotated[User, Depends(auth.current_user)],
    ) -> list[CameraHealthView]:
        """Every registered camera with its last report; ``stale`` when its node has not
        reported within ``STREETORDER_CAMERA_STALE_S``, state ``unknown`` if it never did."""
        squad = (user.squad_id or -1) if user.role == Role.SQUAD_MEMBER else None
        return camera_health(session, datetime.now(UTC), stale_after, squad)

    return router
