"""Evidence storage behind a small interface: a directory now, an S3-compatible store later."""

from __future__ import annotations

import io
import json
import shutil
import tarfile
import uuid
from pathlib import Path
from typing import Protocol

from api.domain import DomainError
from detector.evidence.manifest import MANIFEST_NAME, REQUIRED_FILES, verify_bundle

BUNDLE_FILES = (*REQUIRED_FILES, MANIFEST_NAME)
MEDIA_TYPES = {
    "clip.mp4": "video/mp4",
    "snapshot.jpg": "image/jpeg",
    "frame.jpg": "image/jpeg",
    "incident.json": "application/json",
    MANIFEST_NAME: "application/json",
}


class BundleRejectedError(DomainError):
    """An uploaded bundle is malformed or its files do not match its manifest (HTTP 422)."""


class BundleConflictError(DomainError):
    """A different bundle is already stored for this incident (HTTP 409)."""


class EvidenceStore(Protocol):
    def put_bundle(self, incident_id: str, archive: bytes, expected_sha256: str | None) -> str: ...

    def path_of(self, incident_id: str, name: str) -> Path | None: ...


def _safe_name(incident_id: str) -> str:
    if not incident_id or "/" in incident_id or "\\" in incident_id or incident_id.startswith("."):
        raise BundleRejectedError(f"unusable incident id for storage: {incident_id!r}")
    return incident_id


class DirectoryStore:
    """Bundles as folders under ``root``; nothing outside ``root`` is ever read or written."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def put_bundle(self, incident_id: str, archive: bytes, expected_sha256: str | None) -> str:
        """Unpack a tar of the bundle, re-hash it, and keep it; returns its manifest hash.

        Storing the same bundle again is a no-op; a different one for the same incident is a
        conflict, so evidence once accepted is never replaced.
        """
        name = _safe_name(incident_id)
        self.root.mkdir(parents=True, exist_ok=True)
        partial = self.root / f".partial-{name}-{uuid.uuid4().hex[:8]}"
        partial.mkdir()
        try:
            _unpack(archive, partial)
            report = verify_bundle(partial, expected_sha256)
            if not report.ok:
                found = [*report.problems]
                found += [f"changed {name}" for name in report.changed]
                found += [f"missing {name}" for name in report.missing]
                found += [f"unexpected {name}" for name in report.added]
                raise BundleRejectedError("bundle does not match its manifest: " + "; ".join(found))
            _check_names(partial, incident_id)
            digest = _manifest_hash(partial)
            final = self.root / name
            if final.exists():
                if _manifest_hash(final) != digest:
                    raise BundleConflictError(f"a different bundle is stored for {incident_id}")
                return digest
            partial.rename(final)
            return digest
        finally:
            shutil.rmtree(partial, ignore_errors=True)

    def path_of(self, incident_id: str, name: str) -> Path | None:
        if name not in BUNDLE_FILES:
            return None
        path = (self.root / _safe_name(incident_id) / name).resolve()
        if not path.is_relative_to(self.root.resolve()) or not path.is_file():
            return None
        return path


def _check_names(folder: Path, incident_id: str) -> None:
    """A bundle is evidence of one incident: it cannot be filed under another one's id."""
    try:
        document = json.loads((folder / "incident.json").read_text(encoding="utf-8"))
        named = document["incident"]["id"]
    except (OSError, ValueError, KeyError, TypeError):
        raise BundleRejectedError("incident.json does not name its incident") from None
    if named != incident_id:
        raise BundleRejectedError(
            f"the bundle is evidence of incident {named!r}, not {incident_id!r}"
        )


def _manifest_hash(folder: Path) -> str:
    return str(json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))["manifest_sha256"])


def _unpack(archive: bytes, target: Path) -> None:
    try:
        with tarfile.open(fileobj=io.BytesIO(archive), mode="r:*") as tar:
            members = tar.getmembers()
            for member in members:
                if member.name not in BUNDLE_FILES or not member.isfile():
                    raise BundleRejectedError(f"unexpected entry in the bundle: {member.name!r}")
            for member in members:
                source = tar.extractfile(member)
                assert source is not None  # regular files always have content
                (target / member.name).write_bytes(source.read())
    except tarfile.TarError as exc:
        raise BundleRejectedError(f"not a tar archive of a bundle ({exc})") from None
