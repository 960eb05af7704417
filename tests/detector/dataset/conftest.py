"""The ticket service's database for ``from-tickets``: SQLite and PostgreSQL, as in tests/api."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from api.db.engine import make_engine
from api.db.migrate import upgrade
from tests.api.conftest import POSTGRES_URL


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'streetorder.db'}"
    else:
        url = POSTGRES_URL
    engine = make_engine(url)
    try:
        upgrade(engine)
    except OperationalError as exc:
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL} ({exc.orig})")
    yield engine
    engine.dispose()
