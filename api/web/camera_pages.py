"""``/cameras``: every camera's health as its detector node last reported it (squad members:
their squad's cameras), the stale ones first, because they are the ones nobody hears from."""

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from api.security.users import Role
from api.services.camera_health import CameraHealthView, camera_health
from api.web.render import Pages, Viewer

ATTENTION = ("failed", "backing_off", "offline", "connecting")
"""Reported states that need a look, worst first; then the others."""


def _order(view: CameraHealthView) -> tuple[int, str]:
    if view.stale:
        return (0, view.camera)
    rank = ATTENTION.index(view.state) + 1 if view.state in ATTENTION else len(ATTENTION) + 1
    return (rank, view.camera)


def build_router(pages: Pages, stale_after: timedelta) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/cameras", response_class=HTMLResponse)
    def cameras_page(
        request: Request,
        viewer: Annotated[Viewer, Depends(pages.viewer)],
        session: Annotated[Session, Depends(pages.get_session, scope="function")],
    ) -> HTMLResponse:
        member = viewer.role == Role.SQUAD_MEMBER
        squad = (viewer.user.squad_id or -1) if member else None
        views = sorted(camera_health(session, datetime.now(UTC), stale_after, squad), key=_order)
        return pages.render(
            request,
            "cameras.html",
            viewer,
            cameras=views,
            stale_after_s=int(stale_after.total_seconds()),
        )

    return router
