from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

import detector
from api.main import create_app
from api.settings import ApiSettings
from tests.factories import POSTGRES_URL


def test_health_migrates_the_embedded_database_at_start(data_dir: Path) -> None:
    with TestClient(create_app(ApiSettings(data_dir=data_dir))) as client:
        response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "version": detector.__version__,
        "database": "sqlite",
    }
    assert (data_dir / "streetorder.db").is_file()


def test_health_on_postgresql(data_dir: Path) -> None:
    import pytest
    from sqlalchemy.exc import OperationalError

    try:
        with TestClient(
            create_app(ApiSettings(data_dir=data_dir, database_url=POSTGRES_URL))
        ) as client:
            body = client.get("/health").json()
    except OperationalError as exc:
        pytest.skip(f"PostgreSQL not reachable ({exc.orig})")
    assert body["database"] == "postgresql"
