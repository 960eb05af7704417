"""A ticket's story and its evidence's integrity: the audit records about it, in chain order,
and the stored bundle re-hashed on demand against its manifest and the ticket's recorded hash."""

import json
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, status
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from api.db.models import Ticket, User
from api.domain.audit import AuditRecord
from api.routes.auth import AuthDependencies, parse_ticket_id, visible
from api.services import audit_log
from api.services.tickets import ticket_key
from api.storage import DirectoryStore
from detector.evidence.manifest import MANIFEST_NAME, VerifyReport, sha256_file, verify_bundle

SessionDependency = Callable[[], Iterator[Session]]
ACTION_FIELDS = (
    "reason",
    "note",
    "squad",
    "deadline",
    "violation_type",
    "into",
    "outcome",
    "photo_ref",
)
"""What a life-cycle action carries that a reader of the history wants to see."""
ANSWERS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Not logged in."},
    404: {"description": "No such ticket (or another squad's), or no evidence bundle yet."},
}


class HistoryEntry(BaseModel):
    """One audit record about the ticket, summarised for people."""

    seq: int = Field(description="Position in the whole audit chain (from 1).")
    at: datetime = Field(description="When it happened (UTC).")
    actor: str = Field(description="User name, or node:<key> for a detector node.")
    action: str = Field(
        description="ingest, update, evidence, confirm, reject, dispatch, rectify, reinspect, "
        "reclassify, merge, photo, or '<action>:refused' for an attempt that was refused."
    )
    refused: bool = Field(description="The attempt was refused; nothing changed.")
    status_before: str | None = Field(description="The ticket's status before, if recorded.")
    status_after: str | None = Field(description="The ticket's status after, if it changed.")
    details: dict[str, str] = Field(
        description="The action's own fields (reason, note, squad, deadline, violation_type, "
        "into, outcome, photo_ref), the new manifest hash of an evidence record, the stored "
        "photo of a photo record, the changed fields of an update."
    )
    message: str | None = Field(description="Why a refused attempt was refused.")
    prev_hash: str = Field(description="The hash of the record before it in the chain.")
    hash: str = Field(description="This record's SHA-256 over all its other fields.")


class FileCheck(BaseModel):
    name: str = Field(description="File name inside the bundle (clip.mp4, snapshot.jpg…).")
    sha256: str | None = Field(description="The file's SHA-256 now; null when it is missing.")
    expected_sha256: str | None = Field(description="The SHA-256 the manifest lists.")
    ok: bool = Field(description="Present and matching the manifest.")


class EvidenceCheck(BaseModel):
    """The stored bundle re-hashed now; intact only when ``problems`` is empty."""

    ok: bool
    manifest_sha256: str | None = Field(description="The hash the stored manifest claims.")
    recorded_sha256: str | None = Field(description="The hash the ticket recorded at upload.")
    files: list[FileCheck]
    problems: list[str] = Field(description="One line per thing that does not match.")


def _status(snapshot: dict[str, Any]) -> str | None:
    value = snapshot.get("status")
    return value if isinstance(value, str) else None


def _details(step: str, before: dict[str, Any], after: dict[str, Any]) -> dict[str, str]:
    action = after.get("action")
    details = (
        {key: str(action[key]) for key in ACTION_FIELDS if action.get(key) not in (None, "")}
        if isinstance(action, dict)
        else {}
    )
    if step == "ingest":
        details |= {key: str(after[key]) for key in ("type", "priority") if key in after}
    if step == "photo":
        details |= {key: str(after[key]) for key in ("photo_ref", "sha256") if key in after}
    if step == "evidence" and "manifest_sha256" in after:
        details["manifest_sha256"] = str(after["manifest_sha256"])
    if step == "update":
        changed = sorted(key for key in after if before.get(key) != after[key])
        details["changed"] = ", ".join(changed)
    return details


def summarize(record: AuditRecord) -> HistoryEntry:
    """What a person reading the ticket's history needs from one audit record."""
    before, after = record.before or {}, record.after or {}
    step, _, outcome = record.action.partition(":")
    refused = outcome == "refused"
    message = after.get("refused")
    status_before, status_after = _status(before), _status(after)
    return HistoryEntry(
        seq=record.seq,
        at=record.at,
        actor=record.actor,
        action=record.action,
        refused=refused,
        status_before=status_before,
        status_after=None if refused else status_after,
        details=_details(step, before, after),
        message=str(message) if refused and message is not None else None,
        prev_hash=record.prev_hash,
        hash=record.hash,
    )


def evidence_check(
    report: VerifyReport,
    listed: Mapping[str, str | None],
    rehashed: Mapping[str, str],
    claimed: str | None,
    recorded: str | None,
) -> EvidenceCheck:
    """The answer from ``verify_bundle``'s report: ``listed`` is each file with the hash the
    manifest gives it, ``rehashed`` the hash now of each file found changed (the others
    matched their listed hash, which is what verifying them meant)."""

    def now(name: str, expected: str | None) -> str | None:
        if name in report.missing:
            return None
        return rehashed.get(name) if name in report.changed else expected

    files = [
        FileCheck(
            name=name,
            sha256=now(name, expected),
            expected_sha256=expected,
            ok=name not in report.missing and name not in report.changed,
        )
        for name, expected in sorted(listed.items())
    ]
    problems = [
        *report.problems,
        *(f"{name} changed: its SHA-256 does not match the manifest" for name in report.changed),
        *(f"{name} is missing from the stored bundle" for name in report.missing),
        *(f"{name} is in the stored bundle but not in the manifest" for name in report.added),
    ]
    return EvidenceCheck(
        ok=report.ok,
        manifest_sha256=claimed,
        recorded_sha256=recorded,
        files=files,
        problems=problems,
    )


def _manifest_entries(path: Path) -> tuple[dict[str, str | None], str | None]:
    """Files listed with their hashes, and the manifest's claimed own hash; empty when the
    manifest is unreadable (``verify_bundle`` then reports why)."""
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}, None
    files = manifest.get("files") if isinstance(manifest, dict) else None
    if not isinstance(files, dict):
        return {}, None
    listed = {
        str(name): (entry.get("sha256") if isinstance(entry, dict) else None)
        for name, entry in files.items()
    }
    claimed = manifest.get("manifest_sha256")
    return listed, claimed if isinstance(claimed, str) else None


def check_bundle(store: DirectoryStore, incident_id: str, recorded: str) -> EvidenceCheck:
    """Re-hash the bundle stored for ``incident_id`` now."""
    manifest = store.path_of(incident_id, MANIFEST_NAME)
    if manifest is None:
        problem = f"the stored bundle of {incident_id} is gone: no {MANIFEST_NAME}"
        return EvidenceCheck(
            ok=False, manifest_sha256=None, recorded_sha256=recorded, files=[], problems=[problem]
        )
    folder = manifest.parent
    report = verify_bundle(folder, recorded)
    listed, claimed = _manifest_entries(manifest)
    rehashed = {name: sha256_file(folder / name) for name in report.changed}
    return evidence_check(report, listed, rehashed, claimed, recorded)


def visible_ticket(session: Session, user: User, ticket: str) -> Ticket | None:
    """The ticket if ``user`` may see it, by the API's own rule (``visible``); ``None`` for a
    missing ticket and another squad's alike, so a page can answer both with one "no such
    ticket" page instead of the API's JSON error."""
    try:
        return visible(session.get(Ticket, parse_ticket_id(ticket)), user, ticket)
    except HTTPException as exc:
        if exc.status_code != status.HTTP_404_NOT_FOUND:
            raise
        return None


def build_router(
    get_session: SessionDependency, auth: AuthDependencies, store: DirectoryStore
) -> APIRouter:
    """Include it before the evidence router: ``evidence/verify`` is not an evidence file."""
    router = APIRouter(prefix="/api/v1", tags=["tickets"])

    def ticket_row(session: Session, user: User, ticket: str) -> Ticket:
        return visible(session.get(Ticket, parse_ticket_id(ticket)), user, ticket)

    @router.get("/tickets/{ticket}/history", response_model=list[HistoryEntry], responses=ANSWERS)
    def history(
        ticket: str,
        session: Annotated[Session, Depends(get_session, scope="function")],
        user: Annotated[User, Depends(auth.current_user)],
    ) -> list[HistoryEntry]:
        """Everything that happened to the ticket, refused attempts included, oldest first."""
        row = ticket_row(session, user, ticket)
        records = audit_log.records_of(session, "ticket", ticket_key(row.id))
        return [summarize(record) for record in records]

    @router.get(
        "/tickets/{ticket}/evidence/verify", response_model=EvidenceCheck, responses=ANSWERS
    )
    def verify_evidence(
        ticket: str,
        session: Annotated[Session, Depends(get_session, scope="function")],
        user: Annotated[User, Depends(auth.current_user)],
    ) -> EvidenceCheck:
        """Re-hash the stored bundle: each file against the manifest, the manifest against the
        hash the ticket recorded when the bundle was uploaded."""
        row = ticket_row(session, user, ticket)
        if row.manifest_sha256 is None:
            raise HTTPException(
                status.HTTP_404_NOT_FOUND, f"ticket {ticket} has no evidence bundle yet"
            )
        return check_bundle(store, row.incident_id, row.manifest_sha256)

    return router
