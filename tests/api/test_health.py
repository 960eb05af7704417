from __future__ import annotations

from fastapi.testclient import TestClient

import detector
from api.main import create_app


def test_health_reports_ok_and_version() -> None:
    with TestClient(create_app()) as client:
        response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "version": detector.__version__}
