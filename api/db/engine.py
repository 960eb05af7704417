"""Engines and sessions: SQLite in WAL mode by default, PostgreSQL in production."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)
T = TypeVar("T")

ATTEMPTS = 5
"""A write that lost a race (stale version, audit seq taken, SQLite busy) is re-read and
re-decided this many times at most."""
LOST_RACES = (IntegrityError, OperationalError)
"""What a transaction that lost a race raises: a unique key taken meanwhile (the audit
chain's next ``seq``, a first insert), a lock or a busy SQLite file."""


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the UI read while a detector writes; foreign keys are off by default in SQLite.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def make_engine(url: str) -> Engine:
    """An engine for ``url``; a SQLite file's folder is created when missing."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


class Database:
    """One engine and its session factory; made by the app factory, never at import time."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session whose transaction commits on success and rolls back on error."""
        with self._sessions.begin() as session:
            yield session

    def committed(self, work: Callable[[Session], T], what: str) -> T:
        """``work`` in a transaction of its own, committed when it returns. Detector nodes and
        people append to the audit chain at once: a ``work`` that loses a race runs again on
        the new state, up to ``ATTEMPTS`` times; then the last error is raised."""
        for attempt in range(1, ATTEMPTS + 1):
            try:
                with self.session() as session:
                    return work(session)
            except LOST_RACES as exc:
                if attempt == ATTEMPTS:
                    raise
                log.info("%s lost a race (%s); running it again", what, type(exc).__name__)
        raise AssertionError("unreachable")

    def dispose(self) -> None:
        self.engine.dispose()
