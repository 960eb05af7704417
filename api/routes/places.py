"""Squads, key points and cameras: anyone logged in reads them, admins register them."""

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Response, status
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.db.models import Camera, KeyPoint, Squad, User
from api.domain.places import (
    CameraEntry,
    CameraSpec,
    KeyPointEntry,
    KeyPointSpec,
    SquadEntry,
    SquadSpec,
)
from api.routes.auth import AuthDependencies, require_role
from api.routes.callers import Caller, make_caller
from api.security.users import Role
from api.services.places import put_camera, put_key_point, put_squad

SessionDependency = Callable[[], Iterator[Session]]
CODE = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
ADMIN_ANSWERS: dict[int | str, dict[str, Any]] = {
    201: {"description": "Created."},
    401: {"description": "Not logged in."},
    403: {"description": "Only admins register places."},
    404: {"description": "The squad or key point named does not exist."},
}


class Saved(BaseModel):
    outcome: str
    """created, updated or unchanged."""


def _answer(response: Response, outcome: str) -> Saved:
    response.status_code = status.HTTP_201_CREATED if outcome == "created" else status.HTTP_200_OK
    return Saved(outcome=outcome)


def build_router(get_session: SessionDependency, auth: AuthDependencies) -> APIRouter:
    caller = make_caller(get_session, auth)
    router = APIRouter(prefix="/api/v1", tags=["places"])

    @router.get("/squads", response_model=list[SquadEntry])
    def list_squads(
        session: Annotated[Session, Depends(get_session, scope="function")],
        _: Annotated[User, Depends(auth.current_user)],
    ) -> list[SquadEntry]:
        rows = session.scalars(select(Squad).order_by(Squad.code))
        return [SquadEntry(code=row.code, name=row.name) for row in rows]

    @router.put("/squads/{code}", response_model=Saved, responses=ADMIN_ANSWERS)
    def put_squad_route(
        code: Annotated[str, Path(pattern=CODE)],
        spec: SquadSpec,
        response: Response,
        session: Annotated[Session, Depends(get_session, scope="function")],
        user: Annotated[User, Depends(auth.current_user)],
    ) -> Saved:
        """Register a squad (中队) or rename it."""
        require_role(user, Role.ADMIN)
        now = datetime.now(UTC)
        return _answer(response, put_squad(session, code, spec, actor=user.username, now=now))

    @router.get("/key-points", response_model=list[KeyPointEntry])
    def list_key_points(
        session: Annotated[Session, Depends(get_session, scope="function")],
        _: Annotated[User, Depends(auth.current_user)],
    ) -> list[KeyPointEntry]:
        query = select(KeyPoint, Squad.code).join(Squad, Squad.id == KeyPoint.squad_id)
        return [
            KeyPointEntry(code=kp.code, name=kp.name, category=kp.category, squad=squad)
            for kp, squad in session.execute(query.order_by(KeyPoint.code))
        ]

    @router.put("/key-points/{code}", response_model=Saved, responses=ADMIN_ANSWERS)
    def put_key_point_route(
        code: Annotated[str, Path(pattern=CODE)],
        spec: KeyPointSpec,
        response: Response,
        session: Annotated[Session, Depends(get_session, scope="function")],
        user: Annotated[User, Depends(auth.current_user)],
    ) -> Saved:
        """Register a key point (school gate, hospital, market…) in a squad's area."""
        require_role(user, Role.ADMIN)
        now = datetime.now(UTC)
        return _answer(response, put_key_point(session, code, spec, actor=user.username, now=now))

    @router.get("/cameras", response_model=list[CameraEntry])
    def list_cameras(
        session: Annotated[Session, Depends(get_session, scope="function")],
        _: Annotated[Caller, Depends(caller)],
    ) -> list[CameraEntry]:
        """Every registered camera with its key point and squad; detector nodes read it too
        (``streetorder inspect`` finds a key point's cameras here)."""
        query = (
            select(Camera, KeyPoint.code, Squad.code)
            .join(KeyPoint, KeyPoint.id == Camera.key_point_id)
            .join(Squad, Squad.id == Camera.squad_id)
            .order_by(Camera.id)
        )
        return [
            CameraEntry(id=cam.id, name=cam.name, key_point=key_point, squad=squad)
            for cam, key_point, squad in session.execute(query)
        ]

    @router.put("/cameras/{camera_id}", response_model=Saved, responses=ADMIN_ANSWERS)
    def put_camera_route(
        camera_id: Annotated[str, Path(pattern=CODE)],
        spec: CameraSpec,
        response: Response,
        session: Annotated[Session, Depends(get_session, scope="function")],
        user: Annotated[User, Depends(auth.current_user)],
    ) -> Saved:
        """Register a camera at a key point; its tickets go to the key point's squad unless
        another squad is named."""
        require_role(user, Role.ADMIN)
        now = datetime.now(UTC)
        return _answer(response, put_camera(session, camera_id, spec, actor=user.username, now=now))

    return router
