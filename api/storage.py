"""Evidence storage behind a small interface: a directory now, an S3-compatible store later."""

from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
import struct
import tarfile
import uuid
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

from api.domain import DomainError, ValidationFailedError
from detector.evidence.manifest import MANIFEST_NAME, REQUIRED_FILES, verify_bundle

BUNDLE_FILES = (*REQUIRED_FILES, MANIFEST_NAME)
MEDIA_TYPES = {
    "clip.mp4": "video/mp4",
    "snapshot.jpg": "image/jpeg",
    "frame.jpg": "image/jpeg",
    "incident.json": "application/json",
    MANIFEST_NAME: "application/json",
}

PHOTO_FOLDER = "photos"
"""Rectification photos live in ``<root>/photos/<T-n>/<sha256>.<jpg|png>``."""
PHOTO_MEDIA_TYPES = {"jpg": "image/jpeg", "png": "image/png"}
PHOTO_NAME = re.compile(r"^[0-9a-f]{64}\.(jpg|png)$")
TICKET_FOLDER = re.compile(r"^T-[0-9]{1,10}$")
MAX_PHOTO_PIXELS = 100_000_000
"""A PNG decodes at full size: a tiny file claiming more pixels is refused before decoding."""


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

    def put_photo(self, ticket: str, content: bytes) -> tuple[str, str, bool]:
        """Keep a checked photo under its content's SHA-256; returns (photo_ref, sha256,
        created). The same photo again is a no-op: the name is the content, so nothing is
        ever replaced."""
        kind = check_photo(content)
        digest = hashlib.sha256(content).hexdigest()
        name = f"{digest}.{kind}"
        folder = self._photo_folder(ticket)
        final = folder / name
        if final.is_file():
            return photo_ref(ticket, name), digest, False
        folder.mkdir(parents=True, exist_ok=True)
        # Written aside and renamed: a reader never sees half a photo.
        partial = folder / f".partial-{uuid.uuid4().hex[:8]}"
        try:
            partial.write_bytes(content)
            partial.replace(final)
        finally:
            partial.unlink(missing_ok=True)
        return photo_ref(ticket, name), digest, True

    def photo_path(self, ticket: str, name: str) -> Path | None:
        """The stored photo ``name`` of ``ticket``; None for anything else (never outside
        root)."""
        if not PHOTO_NAME.match(name) or not TICKET_FOLDER.match(ticket):
            return None
        path = (self.root / PHOTO_FOLDER / ticket / name).resolve()
        if not path.is_relative_to(self.root.resolve()) or not path.is_file():
            return None
        return path

    def has_photo(self, ticket: str, ref: str) -> bool:
        """Whether ``ref`` names a photo uploaded for ``ticket`` (what a rectification needs)."""
        folder, _, name = ref.rpartition("/")
        return folder == f"{PHOTO_FOLDER}/{ticket}" and self.photo_path(ticket, name) is not None

    def _photo_folder(self, ticket: str) -> Path:
        if not TICKET_FOLDER.match(ticket):
            raise ValidationFailedError("ticket", f"unusable ticket id for storage: {ticket!r}")
        return self.root / PHOTO_FOLDER / ticket


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


def photo_format(content: bytes) -> str | None:
    """``jpg`` or ``png`` from the file's signature; None for anything else."""
    if content.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    return None


def check_photo(content: bytes) -> str:
    """The photo's format (``jpg``/``png``) once it decodes as an image; 422 otherwise."""
    kind = photo_format(content)
    if kind is None:
        raise ValidationFailedError("photo", "not a JPEG or PNG image")
    if kind == "png" and len(content) >= 24:
        width, height = struct.unpack(">II", content[16:24])
        if width * height > MAX_PHOTO_PIXELS:
            raise ValidationFailedError("photo", f"{width}x{height} pixels is too large")
    # A JPEG decodes at 1/8 scale (libjpeg does that natively): the whole stream is still
    # checked, in a fraction of the memory.
    flags = cv2.IMREAD_REDUCED_GRAYSCALE_8 if kind == "jpg" else cv2.IMREAD_GRAYSCALE
    try:
        image = cv2.imdecode(np.frombuffer(content, np.uint8), flags)
    except cv2.error:
        image = None
    if image is None or image.size == 0:
        raise ValidationFailedError("photo", f"the {kind.upper()} file does not decode")
    return kind


def photo_ref(ticket: str, name: str) -> str:
    """The ``photo_ref`` a rectification gives for photo ``name`` of ``ticket``."""
    return f"{PHOTO_FOLDER}/{ticket}/{name}"
