"""A ticket's history from the audit chain, and its stored evidence re-hashed on demand."""

from __future__ import annotations

import io
import tarfile
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.db.engine import Database
from api.domain.audit import GENESIS_HASH, AuditRecord
from api.routes.ticket_history import evidence_check, summarize
from api.security.api_keys import issue_key
from detector.evidence.manifest import VerifyReport
from tests.api.conftest import NOW, login
from tests.factories import make_clip, make_incident, read_packets, write_test_bundle

INCIDENT_ID = "cam-east-clutter-1"
"""The incident of the ``client`` fixture's ticket."""
HASH_A, HASH_B = "a" * 64, "b" * 64


def _record(action: str, before: Any, after: Any) -> AuditRecord:
    return AuditRecord(
        seq=7,
        at=datetime(2025, 5, 1, 8, 30, tzinfo=UTC),
        actor="wang",
        action=action,
        entity="ticket",
        entity_id="T-1",
        before=before,
        after=after,
        prev_hash=GENESIS_HASH,
        hash=HASH_A,
    )


PENDING = {"status": "pending_review", "type": "clutter", "priority": "normal"}


@pytest.mark.parametrize(
    ("action", "before", "after", "expected"),
    [
        ("ingest", None, PENDING, (False, None, "pending_review", {"type": "clutter"}, None)),
        (
            "evidence",
            {"manifest_sha256": None},
            {"manifest_sha256": HASH_B},
            (False, None, None, {"manifest_sha256": HASH_B}, None),
        ),
        (
            "update",
            {"score": 0.5, "ended_at": None},
            {"score": 0.7, "ended_at": None},
            (False, None, None, {"changed": "score"}, None),
        ),
        (
            "confirm",
            PENDING,
            {"status": "confirmed", "action": {"action": "confirm", "note": "seen it"}},
            (False, "pending_review", "confirmed", {"note": "seen it"}, None),
        ),
        (
            "reject",
            PENDING,
            {"status": "rejected", "action": {"reason": "other", "note": "", "squad": None}},
            (False, "pending_review", "rejected", {"reason": "other"}, None),
        ),
        (
            "dispatch",
            {"status": "confirmed"},
            {
                "status": "dispatched",
                "action": {"squad": "east", "deadline": "2025-05-02T08:00:00Z"},
            },
            (
                False,
                "confirmed",
                "dispatched",
                {"squad": "east", "deadline": "2025-05-02T08:00:00Z"},
                None,
            ),
        ),
        (
            "merge",
            PENDING,
            {"status": "merged", "action": {"into": "T-3"}},
            (False, "pending_review", "merged", {"into": "T-3"}, None),
        ),
        (
            "photo",
            None,
            {"photo_ref": "T-1/photos/ab.jpg", "sha256": HASH_B},
            (False, None, None, {"photo_ref": "T-1/photos/ab.jpg", "sha256": HASH_B}, None),
        ),
        (
            "confirm:refused",
            {"status": "confirmed"},
            {"refused": "cannot confirm a confirmed ticket"},
            (True, "confirmed", None, {}, "cannot confirm a confirmed ticket"),
        ),
    ],
)
def test_a_record_is_summarised_for_people(
    action: str, before: Any, after: Any, expected: tuple[Any, ...]
) -> None:
    entry = summarize(_record(action, before, after))
    refused, status_before, status_after, details, message = expected
    assert (entry.refused, entry.status_before, entry.status_after) == (
        refused,
        status_before,
        status_after,
    )
    assert {k: v for k, v in entry.details.items() if k in details} == details
    assert entry.message == message
    assert (entry.action, entry.prev_hash, entry.hash) == (action, GENESIS_HASH, HASH_A)


LISTED = {"clip.mp4": HASH_A, "snapshot.jpg": HASH_B}


@pytest.mark.parametrize(
    ("report", "ok", "files", "problem"),
    [
        (VerifyReport(Path("b")), True, {"clip.mp4": (HASH_A, True)}, None),
        (
            VerifyReport(Path("b"), changed=["clip.mp4"]),
            False,
            {"clip.mp4": ("c" * 64, False)},
            "clip.mp4 changed",
        ),
        (
            VerifyReport(Path("b"), missing=["snapshot.jpg"]),
            False,
            {"snapshot.jpg": (None, False)},
            "snapshot.jpg is missing",
        ),
        (
            VerifyReport(Path("b"), problems=["manifest.json was altered"]),
            False,
            {"clip.mp4": (HASH_A, True)},
            "manifest.json was altered",
        ),
    ],
)
def test_an_evidence_check_names_what_does_not_match(
    report: VerifyReport, ok: bool, files: dict[str, Any], problem: str | None
) -> None:
    answer = evidence_check(report, LISTED, {"clip.mp4": "c" * 64}, HASH_A, HASH_A)
    assert answer.ok is ok
    found = {file.name: (file.sha256, file.ok) for file in answer.files}
    assert {name: found[name] for name in files} == files
    assert [file.expected_sha256 for file in answer.files] == [HASH_A, HASH_B]
    if problem is None:
        assert answer.problems == []
    else:
        assert any(problem in line for line in answer.problems), answer.problems


@pytest.fixture(scope="module")
def bundle_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("history")
    packets = read_packets(make_clip(root / "c.mp4", seconds=2.0, gop_frames=25))
    incident = make_incident(id=INCIDENT_ID, camera="cam-east", raised_s=None, raised_at=NOW)
    return Path(write_test_bundle(root / "bundles", incident, packets).path)


def _upload(client: TestClient, engine: Engine, bundle: Path) -> None:
    database = Database(engine.url.render_as_string(hide_password=False))
    try:
        with database.session() as session:
            key = issue_key(session, "node-east", now=NOW).plain
    finally:
        database.dispose()
    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode="w") as tar:
        for path in sorted(bundle.iterdir()):
            tar.add(path, arcname=path.name)
    url = f"/api/v1/incidents/{INCIDENT_ID}/bundle"
    stored = client.put(url, content=archive.getvalue(), headers={"X-API-Key": key})
    assert stored.status_code == 200, stored.text


def test_the_history_tells_the_ticket_s_story_in_chain_order(
    client: tuple[TestClient, str], engine: Engine, bundle_dir: Path
) -> None:
    app, ticket = client
    wang = login(app, "wang")
    _upload(app, engine, bundle_dir)
    confirmed = app.post(f"/api/v1/tickets/{ticket}/confirm", json={"note": "看得清"}, headers=wang)
    assert confirmed.status_code == 200, confirmed.text
    again = app.post(f"/api/v1/tickets/{ticket}/confirm", json={}, headers=wang)
    assert again.status_code == 409

    answer = app.get(f"/api/v1/tickets/{ticket}/history", headers=wang)
    assert answer.status_code == 200, answer.text
    history = answer.json()
    assert [entry["action"] for entry in history] == [
        "ingest",
        "evidence",
        "confirm",
        "confirm:refused",
    ]
    confirm, refused = history[2], history[3]
    assert (confirm["actor"], confirm["details"]["note"]) == ("wang", "看得清")
    assert (confirm["status_before"], confirm["status_after"]) == ("pending_review", "confirmed")
    assert refused["refused"] and "confirm" in refused["message"]
    assert (
        history[1]["details"]["manifest_sha256"]
        == app.get(f"/api/v1/tickets/{ticket}", headers=wang).json()["manifest_sha256"]
    )
    for earlier, later in pairwise(history):
        assert later["seq"] == earlier["seq"] + 1  # nothing else was audited meanwhile
        assert later["prev_hash"] == earlier["hash"]
    assert all(entry["at"].endswith(("Z", "+00:00")) for entry in history)


def test_another_squad_sees_neither_history_nor_evidence_check(
    client: tuple[TestClient, str],
) -> None:
    app, ticket = client
    west = login(app, "zhao-west")
    for path in ("history", "evidence/verify"):
        answer = app.get(f"/api/v1/tickets/{ticket}/{path}", headers=west)
        assert answer.status_code == 404, path
        assert answer.json()["detail"] == f"no ticket {ticket}"
    east = login(app, "li-east")
    assert app.get(f"/api/v1/tickets/{ticket}/history", headers=east).status_code == 200
    assert app.get("/api/v1/tickets/T-999999/history", headers=east).status_code == 404


def test_verify_finds_the_bundle_intact_then_a_flipped_byte_in_the_clip(
    client: tuple[TestClient, str], engine: Engine, bundle_dir: Path, tmp_path: Path
) -> None:
    app, ticket = client
    wang = login(app, "wang")
    url = f"/api/v1/tickets/{ticket}/evidence/verify"
    missing = app.get(url, headers=wang)
    assert missing.status_code == 404
    assert missing.json()["detail"] == f"ticket {ticket} has no evidence bundle yet"

    _upload(app, engine, bundle_dir)
    intact = app.get(url, headers=wang).json()
    assert intact["ok"] and intact["problems"] == []
    assert intact["manifest_sha256"] == intact["recorded_sha256"]
    names = {file["name"] for file in intact["files"]}
    assert {"clip.mp4", "snapshot.jpg", "frame.jpg", "incident.json"} <= names
    assert all(file["ok"] and file["sha256"] == file["expected_sha256"] for file in intact["files"])

    stored = tmp_path / "evidence" / INCIDENT_ID / "clip.mp4"  # the service's data_dir
    data = bytearray(stored.read_bytes())
    data[len(data) // 2] ^= 0xFF
    stored.write_bytes(bytes(data))
    tampered = app.get(url, headers=wang).json()
    assert not tampered["ok"]
    clip = next(file for file in tampered["files"] if file["name"] == "clip.mp4")
    assert not clip["ok"] and clip["sha256"] != clip["expected_sha256"]
    assert any("clip.mp4" in problem for problem in tampered["problems"])
    assert all(file["ok"] for file in tampered["files"] if file["name"] != "clip.mp4")
