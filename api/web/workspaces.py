"""The working pages: review queue, squad tickets, ticket page and dashboard (placeholders
until each is built; the routes and roles are fixed here)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from api.security.users import Role
from api.web.render import Pages, Viewer

REVIEWERS = (Role.SUPERVISOR, Role.ADMIN)


def build_router(pages: Pages) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/review", response_class=HTMLResponse)
    def review(request: Request, viewer: Annotated[Viewer, Depends(pages.viewer)]) -> HTMLResponse:
        viewer.require(*REVIEWERS)
        return pages.render(request, "review.html", viewer)

    @router.get("/squad", response_class=HTMLResponse)
    def squad(request: Request, viewer: Annotated[Viewer, Depends(pages.viewer)]) -> HTMLResponse:
        return pages.render(request, "squad.html", viewer)

    @router.get("/tickets/{ticket}", response_class=HTMLResponse)
    def ticket_page(
        ticket: str, request: Request, viewer: Annotated[Viewer, Depends(pages.viewer)]
    ) -> HTMLResponse:
        return pages.render(request, "ticket.html", viewer, ticket=ticket)

    @router.get("/dashboard", response_class=HTMLResponse)
    def dashboard(
        request: Request, viewer: Annotated[Viewer, Depends(pages.viewer)]
    ) -> HTMLResponse:
        viewer.require(*REVIEWERS)
        return pages.render(request, "dashboard.html", viewer)

    return router
