"""The working pages: review queue, squad tickets, ticket page and dashboard (placeholders
until each is built; the routes and roles are fixed here)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from api.domain import RejectReason
from api.routes.ticket_history import visible_ticket
from api.security.users import Role
from api.services.tickets import ticket_key
from api.web.i18n import taxonomy_names
from api.web.render import Pages, Viewer
from detector.incidents.taxonomy import load_taxonomy

REVIEWERS = (Role.SUPERVISOR, Role.ADMIN)


def build_router(pages: Pages) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/review", response_class=HTMLResponse)
    def review(
        request: Request,
        viewer: Annotated[Viewer, Depends(pages.viewer)],
        page_size: Annotated[int, Query(ge=1, le=200, description="Tickets per fetch.")] = 20,
    ) -> HTMLResponse:
        """The review queue; the script pages through the ticket list itself."""
        viewer.require(*REVIEWERS)
        names = taxonomy_names(viewer.language)
        config = {
            "page_size": page_size,
            "reasons": [
                {"code": reason.value, "label": names[reason.value]} for reason in RejectReason
            ],
            "violations": [violation.code for violation in load_taxonomy().violations],
        }
        return pages.render(request, "review.html", viewer, review_config=config)

    @router.get("/squad", response_class=HTMLResponse)
    def squad(
        request: Request,
        viewer: Annotated[Viewer, Depends(pages.viewer)],
        squad: Annotated[
            str | None,
            Query(max_length=64, description="Supervisors and admins: the squad to show."),
        ] = None,
    ) -> HTMLResponse:
        """A squad's dispatched tickets to rectify and those awaiting re-inspection; squad
        members see their own squad, supervisors and admins choose one (or all)."""
        member = viewer.role == Role.SQUAD_MEMBER
        config = {"squad": viewer.squad_code if member else squad or "", "choose": not member}
        return pages.render(request, "squad.html", viewer, squad_config=config)

    @router.get("/tickets/{ticket}", response_class=HTMLResponse)
    def ticket_page(
        ticket: str,
        request: Request,
        viewer: Annotated[Viewer, Depends(pages.viewer)],
        session: Annotated[Session, Depends(pages.get_session, scope="function")],
    ) -> HTMLResponse:
        """One ticket's evidence, details and history; another squad's ticket answers exactly
        like a missing one (404, nothing of it shown), as the API does."""
        row = visible_ticket(session, viewer.user, ticket)
        if row is None:
            response = pages.render(request, "not_found.html", viewer, ticket=ticket)
            response.status_code = 404
            return response
        return pages.render(request, "ticket.html", viewer, ticket=ticket_key(row.id))

    @router.get("/dashboard", response_class=HTMLResponse)
    def dashboard(
        request: Request, viewer: Annotated[Viewer, Depends(pages.viewer)]
    ) -> HTMLResponse:
        """Statistics; the script reads the range from the address (``?from=&to=``, Shanghai
        days) and draws /api/v1/stats, so a range can be bookmarked."""
        viewer.require(*REVIEWERS)
        return pages.render(request, "dashboard.html", viewer)

    return router
