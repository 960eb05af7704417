"""The UI's frame: log-in page, the start page per role, language switch, static files."""

from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from api.security.users import Role
from api.web import workspaces
from api.web.i18n import LANGUAGE_COOKIE, LANGUAGES
from api.web.render import (
    STATIC,
    LoginRequiredError,
    PageForbiddenError,
    Pages,
    SessionDependency,
    Viewer,
    login_redirect,
    safe_next,
)


def build_router(pages: Pages) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/")
    def start(viewer: Annotated[Viewer, Depends(pages.viewer)]) -> RedirectResponse:
        """Squad members start at their squad's tickets, everyone else at the review queue."""
        target = "/squad" if viewer.role == Role.SQUAD_MEMBER else "/review"
        return RedirectResponse(target, status_code=303)

    @router.get("/login", response_class=HTMLResponse)
    def login_page(
        request: Request, next: Annotated[str | None, Query(max_length=500)] = None
    ) -> HTMLResponse:
        return pages.render(request, "login.html", None, next_path=safe_next(next))

    @router.get("/lang/{language}")
    def choose_language(
        language: str, next: Annotated[str | None, Query(max_length=500)] = None
    ) -> Response:
        response = RedirectResponse(safe_next(next), status_code=303)
        if language in LANGUAGES:
            response.set_cookie(
                LANGUAGE_COOKIE, language, max_age=365 * 86400, samesite="lax", httponly=True
            )
        return response

    return router


def install(app: FastAPI, get_session: SessionDependency) -> Pages:
    """Mount the UI on ``app``; returns the shared page machinery for the page routers."""
    pages = Pages(get_session)

    async def forbidden(request: Request, error: Exception) -> HTMLResponse:
        response = pages.render(request, "forbidden.html", None)
        response.status_code = 403
        return response

    app.add_exception_handler(LoginRequiredError, login_redirect)
    app.add_exception_handler(PageForbiddenError, forbidden)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(build_router(pages))
    app.include_router(workspaces.build_router(pages))
    return pages
