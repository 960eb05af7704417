"""What every page shares: who is looking (from the session cookie), the language, and the
base template with the context its scripts need (CSRF token, texts, names)."""

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Cookie, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from api.db.models import Squad, User
from api.security.users import Role, csrf_token_for, user_for_token
from api.web.i18n import (
    LANGUAGE_COOKIE,
    LANGUAGES,
    catalogue,
    pick_language,
    taxonomy_names,
    translator,
)

SessionDependency = Callable[[], Iterator[Session]]
TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"


class LoginRequiredError(Exception):
    """A page was asked for without a live session: the answer is the log-in page."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class PageForbiddenError(Exception):
    """The user's role may not open this page."""


@dataclass(frozen=True)
class Viewer:
    """The person looking at a page."""

    user: User
    squad_code: str | None
    csrf_token: str
    language: str

    @property
    def role(self) -> str:
        return self.user.role

    def require(self, *roles: Role) -> None:
        if self.user.role not in {role.value for role in roles}:
            raise PageForbiddenError(self.user.role)


def safe_next(path: str | None) -> str:
    """Only a path on this site (``/review``), never ``//evil.example`` or a full URL."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return "/"
    return path


class Pages:
    """Templates and the page dependencies, built once per app (nothing at import time)."""

    def __init__(self, get_session: SessionDependency) -> None:
        self.get_session = get_session
        """For page routes that read more than the viewer (with ``scope="function"``)."""
        self.templates = Jinja2Templates(directory=str(TEMPLATES))
        self.templates.env.policies["json.dumps_kwargs"] = {"ensure_ascii": False}

        def viewer(
            request: Request,
            session: Annotated[Session, Depends(get_session, scope="function")],
            streetorder_session: Annotated[str | None, Cookie()] = None,
            streetorder_lang: Annotated[str | None, Cookie()] = None,
        ) -> Viewer:
            token = streetorder_session
            user = user_for_token(session, token, now=datetime.now(UTC)) if token else None
            if user is None or token is None:
                raise LoginRequiredError(request.url.path)
            squad = session.get(Squad, user.squad_id) if user.squad_id is not None else None
            return Viewer(
                user=user,
                squad_code=squad.code if squad else None,
                csrf_token=csrf_token_for(token),
                language=pick_language(streetorder_lang),
            )

        self.viewer = viewer

    def render(
        self, request: Request, template: str, viewer: Viewer | None, **context: Any
    ) -> HTMLResponse:
        language = (
            viewer.language
            if viewer is not None
            else pick_language(request.cookies.get(LANGUAGE_COOKIE))
        )
        names = taxonomy_names(language)
        script_context = {
            "language": language,
            "texts": catalogue(language),
            "names": names,
            "csrf": viewer.csrf_token if viewer else None,
            "user": None
            if viewer is None
            else {"name": viewer.user.username, "role": viewer.role, "squad": viewer.squad_code},
        }
        return self.templates.TemplateResponse(
            request,
            template,
            {
                "_": translator(language),
                "language": language,
                "languages": LANGUAGES,
                "names": names,
                "viewer": viewer,
                "here": quote(request.url.path),
                # Inside <script type="application/json">: "</" would end the element early.
                "script_context": json.dumps(script_context, ensure_ascii=False).replace(
                    "</", "<\\/"
                ),
                **context,
            },
        )


def login_redirect(_: Request, error: Exception) -> RedirectResponse:
    assert isinstance(error, LoginRequiredError)
    return RedirectResponse(f"/login?next={quote(safe_next(error.next_path))}", status_code=303)
