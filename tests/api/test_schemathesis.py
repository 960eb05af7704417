"""Property-based requests from the OpenAPI schema: no input may make the service answer 5xx."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings

from api.db.engine import Database
from api.db.migrate import upgrade
from api.main import create_app
from api.security.api_keys import issue_key
from api.security.users import Role, add_user
from api.settings import ApiSettings
from tests.factories import add_place

NOW = datetime.now(UTC)
AUTH: dict[str, str] = {}


@pytest.fixture(scope="module")
def service_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    data_dir = Path(tmp_path_factory.mktemp("fuzz"))
    settings_ = ApiSettings(data_dir=data_dir)
    database = Database(settings_.effective_database_url)
    upgrade(database.engine)
    with database.session() as session:
        add_place(session, camera_id="cam-test", squad_code="fz")
        AUTH["X-API-Key"] = issue_key(session, "fuzz-node", now=NOW).plain
        add_user(session, "fuzz", "correct horse battery", Role.SUPERVISOR, now=NOW)
    database.dispose()
    yield create_app(settings_)


@pytest.fixture(scope="module")
def api_schema(service_app: FastAPI) -> Any:
    from fastapi.testclient import TestClient

    with TestClient(service_app) as client:  # runs the start-up (migrations) once
        token = client.post(
            "/api/v1/auth/token", json={"username": "fuzz", "password": "correct horse battery"}
        ).json()["access_token"]
    AUTH["Authorization"] = f"Bearer {token}"
    return schemathesis.openapi.from_asgi("/openapi.json", service_app)


def test_no_input_gives_a_server_error(api_schema: Any) -> None:
    # Driven by hand: Schemathesis' pytest plugin does not run under this pytest version.
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 6
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=25,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def no_server_error(case: Any) -> None:
            response = case.call(headers={**AUTH, **(case.headers or {})})
            assert response.status_code < 500, (
                case.method,
                case.formatted_path,
                response.text[:300],
            )

        no_server_error()
