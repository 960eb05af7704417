"""Bundles uploaded by detector nodes, re-hashed by the service, read back with range requests."""

from __future__ import annotations

import io
import tarfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.db.engine import Database
from api.main import create_app
from api.security.api_keys import issue_key
from api.security.users import Role, add_user
from api.services.tickets import ingest, ticket_key
from api.settings import ApiSettings
from detector.evidence.bundle import Provenance, write_bundle
from tests.factories import add_place, make_clip, make_incident, purge_service_rows, read_packets

NOW = datetime.now(UTC)
INCIDENT_ID = "cam-ev-clutter-1"


@pytest.fixture(scope="module")
def bundle_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("ev")
    packets = read_packets(make_clip(root / "c.mp4", seconds=4.0, gop_frames=50))
    image = np.zeros((240, 320, 3), np.uint8)
    incident = make_incident(id=INCIDENT_ID, camera="cam-ev", raised_s=None, raised_at=NOW)
    return write_bundle(root / "bundles", incident, image, packets, Provenance()).path


def tar_of(folder: Path, tamper: str | None = None, extra: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for path in sorted(folder.iterdir()):
            data = path.read_bytes()
            if path.name == tamper:
                data = data[:-1] + bytes([data[-1] ^ 1])
            info = tarfile.TarInfo(path.name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        if extra:
            info = tarfile.TarInfo(extra)
            info.size = 1
            tar.addfile(info, io.BytesIO(b"x"))
    return buffer.getvalue()


@pytest.fixture
def service(
    engine: Engine, tmp_path: Path
) -> Iterator[tuple[TestClient, dict[str, str], dict[str, str], str]]:
    url = engine.url.render_as_string(hide_password=False)
    database = Database(url)
    with database.session() as session:
        add_place(session, camera_id="cam-ev", category="metro_station", squad_code="ev")
        incident = make_incident(id=INCIDENT_ID, camera="cam-ev", raised_s=None, raised_at=NOW)
        ticket = ticket_key(ingest(session, incident, actor="node", now=NOW)[0].id)
        key = issue_key(session, "node-ev", now=NOW).plain
        add_user(session, "wang", "correct horse battery", Role.SUPERVISOR, now=NOW)
    settings = ApiSettings(data_dir=tmp_path, database_url=url, max_bundle_bytes=2_000_000)
    try:
        with TestClient(create_app(settings)) as client:
            token = client.post(
                "/api/v1/auth/token", json={"username": "wang", "password": "correct horse battery"}
            ).json()["access_token"]
            yield client, {"X-API-Key": key}, {"Authorization": f"Bearer {token}"}, ticket
    finally:
        purge_service_rows(database)
        database.dispose()


def test_upload_then_read_the_clip_with_a_range_request(
    service: tuple[TestClient, dict[str, str], dict[str, str], str], bundle_dir: Path
) -> None:
    client, node, person, ticket = service
    url = f"/api/v1/incidents/{INCIDENT_ID}/bundle"
    stored = client.put(url, content=tar_of(bundle_dir), headers=node)
    assert stored.status_code == 200, stored.text
    again = client.put(url, content=tar_of(bundle_dir), headers=node)
    assert again.status_code == 200 and again.json() == stored.json()
    clip = client.get(
        f"/api/v1/tickets/{ticket}/evidence/clip.mp4", headers={**person, "Range": "bytes=0-99"}
    )
    assert clip.status_code == 206
    assert clip.headers["content-type"] == "video/mp4"
    assert clip.content == (bundle_dir / "clip.mp4").read_bytes()[:100]
    assert (
        client.get(
            f"/api/v1/tickets/{ticket}/evidence/../../etc/passwd", headers=person
        ).status_code
        == 404
    )
    assert (
        client.get(f"/api/v1/tickets/{ticket}/evidence/secrets.txt", headers=person).status_code
        == 404
    )


@pytest.mark.parametrize(
    ("tamper", "extra", "expected"),
    [("clip.mp4", None, 422), (None, "../escape.txt", 422), (None, "notes.txt", 422)],
)
def test_a_tampered_or_odd_bundle_is_refused(
    service: tuple[TestClient, dict[str, str], dict[str, str], str],
    bundle_dir: Path,
    tamper: str | None,
    extra: str | None,
    expected: int,
) -> None:
    client, node, _, _ = service
    body = tar_of(bundle_dir, tamper=tamper, extra=extra)
    response = client.put(f"/api/v1/incidents/{INCIDENT_ID}/bundle", content=body, headers=node)
    assert response.status_code == expected, response.text


def test_size_limit_and_keys(
    service: tuple[TestClient, dict[str, str], dict[str, str], str],
) -> None:
    client, node, _, _ = service
    url = f"/api/v1/incidents/{INCIDENT_ID}/bundle"
    assert client.put(url, content=b"x" * 2_000_001, headers=node).status_code == 413
    assert client.put(url, content=b"x", headers={}).status_code == 401
    assert (
        client.put("/api/v1/incidents/unknown/bundle", content=b"x", headers=node).status_code
        == 404
    )


def test_a_bundle_cannot_be_filed_under_another_incident(
    service: tuple[TestClient, dict[str, str], dict[str, str], str], bundle_dir: Path
) -> None:
    client, node, _, _ = service
    other = make_incident(id="cam-ev-clutter-2", camera="cam-ev", raised_s=None, raised_at=NOW)
    posted = client.post("/api/v1/incidents", json=other.model_dump(mode="json"), headers=node)
    assert posted.status_code == 201, posted.text
    response = client.put(
        "/api/v1/incidents/cam-ev-clutter-2/bundle", content=tar_of(bundle_dir), headers=node
    )
    assert response.status_code == 422
    assert "evidence of incident 'cam-ev-clutter-1'" in response.json()["detail"]
