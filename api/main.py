"""The ticket service's FastAPI application.

No ``from __future__ import annotations`` here: FastAPI resolves route annotations at run time,
and the session dependency is a closure that string annotations could not reach.
"""

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, FastAPI
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.orm import Session

import detector
from api.db.engine import Database
from api.db.migrate import upgrade
from api.domain import DomainError
from api.plan.source import load_plan
from api.routes import (
    camera_health,
    camera_streams,
    evidence,
    incidents,
    inspections,
    look_backs,
    photos,
    places,
    plan_draws,
    session,
    stats,
    ticket_history,
    tickets,
)
from api.routes import notices as notice_routes
from api.routes import plan as plan_routes
from api.routes import reports as report_routes
from api.routes.auth import make_auth
from api.routes.errors import domain_error_handler
from api.settings import ApiSettings
from api.storage import DirectoryStore
from api.web import camera_pages, plan_pages
from api.web.pages import install as install_web


class Health(BaseModel):
    status: str
    version: str
    database: str
    """The database backend in use (sqlite, postgresql)."""


def create_app(settings: ApiSettings | None = None) -> FastAPI:
    """Build the app with its own database; migrations run when it starts.

    Dependencies close over this app's ``Database`` instead of hanging it on ``request.app``,
    and nothing is created at import time, so every test gets a fresh app.
    """
    settings = settings or ApiSettings()
    database = Database(settings.effective_database_url)
    plan = load_plan(settings.plan_file)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        upgrade(database.engine)
        yield
        database.dispose()

    def get_session() -> Iterator[Session]:
        """Routes depend on it with ``scope="function"``: the transaction commits before the
        answer is sent, so a detector told "stored" never loses its incident."""
        with database.session() as session:
            yield session

    app = FastAPI(
        title="StreetOrder ticket service", version=detector.__version__, lifespan=lifespan
    )

    app.add_exception_handler(DomainError, domain_error_handler)
    auth = make_auth(get_session)
    store = DirectoryStore(settings.evidence_dir)
    app.include_router(
        session.build_router(get_session, auth, cookie_secure=settings.cookie_secure)
    )
    app.include_router(incidents.build_router(database, auth))
    app.include_router(
        camera_health.build_router(get_session, auth, timedelta(seconds=settings.camera_stale_s))
    )
    app.include_router(camera_streams.build_router(get_session, database, auth))
    app.include_router(places.build_router(get_session, auth))
    app.include_router(tickets.build_router(get_session, database, auth, store))
    app.include_router(stats.build_router(get_session, auth))
    app.include_router(ticket_history.build_router(get_session, auth, store))
    app.include_router(
        evidence.build_router(get_session, database, auth, store, settings.max_bundle_bytes)
    )
    app.include_router(
        photos.build_router(get_session, database, auth, store, settings.max_photo_bytes)
    )

    app.include_router(plan_routes.build_router(get_session, auth, plan))
    app.include_router(plan_draws.build_router(get_session, auth))
    app.include_router(inspections.build_router(get_session, database, auth, plan))
    app.include_router(look_backs.build_router(get_session, database, auth, plan))
    app.include_router(notice_routes.build_router(get_session, auth, store, plan))
    app.include_router(report_routes.build_router(get_session, auth, plan))

    pages = install_web(app, get_session)
    app.include_router(plan_pages.build_router(pages, plan))
    app.include_router(camera_pages.build_router(pages, timedelta(seconds=settings.camera_stale_s)))

    @app.get("/health", response_model=Health)
    def health(session: Annotated[Session, Depends(get_session, scope="function")]) -> Health:
        session.execute(text("SELECT 1"))
        return Health(
            status="ok", version=detector.__version__, database=database.engine.dialect.name
        )

    return app
