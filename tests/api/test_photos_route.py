"""Rectification photos: upload (checked by decoding), read back, and rectify naming one —
SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import cv2
import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from api.db.engine import Database
from api.db.models import AuditRecord
from tests.api.conftest import NOW, login

LIMIT = 20_000
"""STREETORDER_MAX_PHOTO_BYTES for these tests: a noisy 256 px JPEG is well over it."""


def jpeg(side: int = 48, seed: int = 1) -> bytes:
    pixels = np.random.default_rng(seed).integers(0, 255, (side, side, 3), np.uint8)
    return cv2.imencode(".jpg", pixels, [cv2.IMWRITE_JPEG_QUALITY, 95])[1].tobytes()


def png() -> bytes:
    return cv2.imencode(".png", np.full((32, 40, 3), 200, np.uint8))[1].tobytes()


BODIES: dict[str, Callable[[], bytes]] = {
    "jpeg": jpeg,
    "png": png,
    "text": lambda: b"this is not a photo at all",
    "broken jpeg": lambda: b"\xff\xd8\xff\xe0" + b"\x00" * 400,
    "empty": lambda: b"",
    "too big": lambda: jpeg(side=256),
}


@pytest.fixture
def service(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> tuple[TestClient, str]:
    """``client`` (tests/api/conftest.py) with a small photo limit; the ticket is east's."""
    monkeypatch.setenv("STREETORDER_MAX_PHOTO_BYTES", str(LIMIT))
    found: tuple[TestClient, str] = request.getfixturevalue("client")
    return found


def upload(
    http: TestClient,
    ticket: str,
    auth: dict[str, str],
    body: bytes,
    content_type: str = "image/jpeg",
) -> tuple[int, dict[str, str]]:
    headers = auth | {"Content-Type": content_type}
    response = http.post(f"/api/v1/tickets/{ticket}/photos", content=body, headers=headers)
    return response.status_code, response.json()


@pytest.mark.parametrize(
    ("user", "body", "content_type", "expected"),
    [
        ("li-east", "jpeg", "image/jpeg", 201),
        ("wang", "png", "image/png", 201),
        ("root", "jpeg", "image/jpeg; charset=binary", 201),
        ("li-east", "text", "image/jpeg", 422),
        ("li-east", "broken jpeg", "image/jpeg", 422),
        ("li-east", "empty", "image/png", 422),
        ("li-east", "too big", "image/jpeg", 413),
        ("li-east", "jpeg", "text/plain", 415),
        ("zhao-west", "jpeg", "image/jpeg", 404),
    ],
)
def test_upload_answers(
    service: tuple[TestClient, str], user: str, body: str, content_type: str, expected: int
) -> None:
    http, ticket = service
    status, answer = upload(http, ticket, login(http, user), BODIES[body](), content_type)
    assert status == expected, answer
    if expected == 201:
        assert answer["photo_ref"].startswith(f"photos/{ticket}/{answer['sha256']}.")
    else:
        assert "\n" not in answer["detail"]


def test_the_same_photo_twice_is_one_photo_read_back_as_sent(
    service: tuple[TestClient, str], engine: Engine, tmp_path: Path
) -> None:
    http, ticket = service
    member, supervisor = login(http, "li-east"), login(http, "wang")
    first_status, first = upload(http, ticket, member, jpeg())
    again_status, again = upload(http, ticket, member, jpeg())
    assert (first_status, again_status) == (201, 200)
    assert first == again
    stored = list((tmp_path / "evidence" / "photos" / ticket).iterdir())
    assert [path.name for path in stored] == [f"{first['sha256']}.jpg"]
    for auth in (member, supervisor):
        read = http.get(first["url"], headers=auth)
        assert read.status_code == 200
        assert read.headers["content-type"] == "image/jpeg"
        assert read.content == jpeg()
    assert http.get(first["url"], headers=login(http, "zhao-west")).status_code == 404
    _, as_png = upload(http, ticket, supervisor, png(), "image/png")
    assert http.get(as_png["url"], headers=supervisor).headers["content-type"] == "image/png"
    with Database(engine.url.render_as_string(hide_password=False)).session() as session:
        audited = session.scalars(
            select(AuditRecord.actor).where(
                AuditRecord.action == "photo", AuditRecord.entity_id == ticket
            )
        ).all()
    assert audited == ["li-east", "wang"]  # the second upload of the same photo wrote nothing


@pytest.mark.parametrize(
    "name",
    ["..%2F..%2Fstreetorder.db", "%2E%2E", "0" * 64 + ".jpg", "snapshot.jpg", "x.gif"],
)
def test_names_that_are_no_stored_photo_are_404(service: tuple[TestClient, str], name: str) -> None:
    http, ticket = service
    upload(http, ticket, login(http, "li-east"), jpeg())
    answer = http.get(f"/api/v1/tickets/{ticket}/photos/{name}", headers=login(http, "wang"))
    assert answer.status_code == 404


def test_rectify_must_name_a_photo_uploaded_for_the_ticket(
    service: tuple[TestClient, str],
) -> None:
    http, ticket = service
    url = f"/api/v1/tickets/{ticket}"
    supervisor, member = login(http, "wang"), login(http, "li-east")
    assert http.post(f"{url}/confirm", json={}, headers=supervisor).status_code == 200
    deadline = (NOW + timedelta(days=2)).isoformat()
    dispatch = {"squad": "east", "deadline": deadline}
    assert http.post(f"{url}/dispatch", json=dispatch, headers=supervisor).status_code == 200
    _, photo = upload(http, ticket, member, jpeg())
    for unknown in (
        "photos/after.jpg",
        f"photos/{ticket}/{'0' * 64}.jpg",
        f"photos/T-999/{photo['sha256']}.jpg",
        f"photos/{ticket}/../{ticket}/{photo['sha256']}.jpg",
    ):
        refused = http.post(
            f"{url}/rectify", json={"photo_ref": unknown, "note": "已清理"}, headers=member
        )
        assert refused.status_code == 422, unknown
        assert refused.json()["detail"].startswith("photo_ref: no photo")
    rectified = http.post(
        f"{url}/rectify", json={"photo_ref": photo["photo_ref"], "note": "已清理"}, headers=member
    )
    assert rectified.status_code == 200, rectified.text
    assert rectified.json()["state"]["rectification"]["photo_ref"] == photo["photo_ref"]
