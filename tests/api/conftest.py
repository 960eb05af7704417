"""Database fixtures: every database test runs on SQLite and on PostgreSQL and rolls back."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from api.db.engine import Database
from api.db.models import Camera, KeyPoint, Squad
from api.main import create_app
from api.security.users import Role, add_user
from api.services.tickets import ingest, ticket_key
from api.settings import ApiSettings
from tests.factories import make_incident, purge_service_rows


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session inside a transaction that is rolled back after the test, whatever it did."""
    with engine.connect() as connection:
        transaction = connection.begin()
        session = Session(bind=connection, join_transaction_mode="create_savepoint")
        try:
            yield session
        finally:
            session.close()
            transaction.rollback()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "service"


NOW = datetime.now(UTC)
PASSWORD = "correct horse battery"


@pytest.fixture
def client(engine: Engine, tmp_path: Path) -> Iterator[tuple[TestClient, str]]:
    """The app and one pending ticket at an east-squad hospital; users: supervisor ``wang``,
    admin ``root``, squad members ``li-east`` and ``zhao-west`` (all with ``PASSWORD``)."""
    url = engine.url.render_as_string(hide_password=False)
    database = Database(url)
    with database.session() as session:
        east, west = Squad(code="east", name="东中队"), Squad(code="west", name="西中队")
        session.add_all([east, west])
        session.flush()
        key_point = KeyPoint(
            code="hospital-1", name="XX医院", category="hospital", squad_id=east.id
        )
        session.add(key_point)
        session.flush()
        session.add(Camera(id="cam-east", key_point_id=key_point.id, squad_id=east.id))
        session.flush()
        incident = make_incident(
            id="cam-east-clutter-1", camera="cam-east", raised_s=None, raised_at=NOW
        )
        ticket = ingest(session, incident, actor="node", now=NOW)[0]
        for name, role, squad in (
            ("wang", Role.SUPERVISOR, None),
            ("root", Role.ADMIN, None),
            ("li-east", Role.SQUAD_MEMBER, "east"),
            ("zhao-west", Role.SQUAD_MEMBER, "west"),
        ):
            add_user(session, name, PASSWORD, role, now=NOW, squad_code=squad)
        key = ticket_key(ticket.id)
    try:
        with TestClient(
            create_app(ApiSettings(data_dir=tmp_path, database_url=url))
        ) as test_client:
            yield test_client, key
    finally:
        purge_service_rows(database)
        database.dispose()


def login(client: TestClient, username: str) -> dict[str, str]:
    response = client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


EXAMPLE_PLAN = Path(__file__).resolve().parents[2] / "docs" / "plan-2026.yaml"


@pytest.fixture
def plan_file(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Points the service at the example plan (docs/plan-2026.yaml); ask for it before
    ``client`` (or use ``plan_client``), which reads STREETORDER_PLAN_FILE when built."""
    monkeypatch.setenv("STREETORDER_PLAN_FILE", str(EXAMPLE_PLAN))
    return EXAMPLE_PLAN


@pytest.fixture
def plan_client(plan_file: Path, client: tuple[TestClient, str]) -> tuple[TestClient, str]:
    """``client`` with the example plan in force."""
    return client
