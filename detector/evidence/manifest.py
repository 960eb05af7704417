"""Tamper evidence for bundles: SHA-256 of every file plus a hash over the manifest itself."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MANIFEST_NAME = "manifest.json"
MANIFEST_FORMAT = "streetorder-evidence-manifest/1"
REQUIRED_FILES = ("clip.mp4", "frame.jpg", "snapshot.jpg", "incident.json")
"""Every bundle has these; a manifest without them was rewritten after files were removed."""
CHUNK_BYTES = 1 << 20


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def canonical_json(value: Any) -> bytes:
    """The byte form the manifest hash is taken over: sorted keys, no spaces, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _bundle_files(folder: Path) -> list[str]:
    return sorted(
        path.relative_to(folder).as_posix()
        for path in folder.rglob("*")
        if path.is_file() and path.name != MANIFEST_NAME
    )


def build_manifest(folder: Path) -> dict[str, Any]:
    """The manifest for every file under ``folder`` except the manifest itself."""
    files = {
        name: {"sha256": sha256_file(folder / name), "bytes": (folder / name).stat().st_size}
        for name in _bundle_files(folder)
    }
    body: dict[str, Any] = {"format": MANIFEST_FORMAT, "algorithm": "sha256", "files": files}
    body["manifest_sha256"] = hashlib.sha256(canonical_json(body)).hexdigest()
    return body


def write_manifest(folder: Path) -> dict[str, Any]:
    manifest = build_manifest(folder)
    (folder / MANIFEST_NAME).write_text(
        json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return manifest


@dataclass(frozen=True)
class VerifyReport:
    """What ``verify`` found; the bundle is intact only when every list is empty."""

    folder: Path
    changed: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    """Manifest-level problems: absent, unreadable, or its own hash does not match."""
    checked: int = 0

    @property
    def ok(self) -> bool:
        return not (self.changed or self.missing or self.added or self.problems)


def _read_manifest(path: Path) -> tuple[dict[str, Any], str, dict[str, dict[str, Any]]]:
    manifest = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(manifest, dict):
        raise ValueError("not a JSON object")
    recorded = manifest.pop("manifest_sha256")
    files = manifest["files"]
    if not isinstance(recorded, str) or not isinstance(files, dict):
        raise ValueError("manifest_sha256 must be a string and files an object")
    if not all(isinstance(entry, dict) for entry in files.values()):
        raise ValueError("every files entry must be an object")
    return manifest, recorded, files


def verify_bundle(folder: Path, expected_sha256: str | None = None) -> VerifyReport:
    """Re-hash every file of the bundle at ``folder`` and compare with its manifest.

    ``expected_sha256`` is the manifest hash recorded elsewhere (the ticket, the outbox): the
    manifest's own hash only shows accidental damage, a recorded one shows deliberate edits.
    """
    if not folder.is_dir():
        return VerifyReport(folder, problems=[f"not a bundle folder: {folder}"])
    manifest_path = folder / MANIFEST_NAME
    try:
        manifest, recorded, files = _read_manifest(manifest_path)
    except FileNotFoundError:
        return VerifyReport(folder, problems=[f"{MANIFEST_NAME} is missing"])
    except (OSError, ValueError, KeyError) as exc:
        return VerifyReport(folder, problems=[f"{MANIFEST_NAME} is unreadable: {exc}"])
    problems = []
    if hashlib.sha256(canonical_json(manifest)).hexdigest() != recorded:
        problems.append(f"{MANIFEST_NAME} was altered: its own hash does not match")
    if expected_sha256 is not None and recorded != expected_sha256.lower():
        problems.append(f"{MANIFEST_NAME} is not the one recorded ({expected_sha256[:12]}…)")
    problems += [
        f"{MANIFEST_NAME} does not list {name}" for name in REQUIRED_FILES if name not in files
    ]
    present = set(_bundle_files(folder))
    changed = sorted(
        name
        for name, entry in files.items()
        if name in present and sha256_file(folder / name) != entry.get("sha256")
    )
    return VerifyReport(
        folder,
        changed=changed,
        missing=sorted(set(files) - present),
        added=sorted(present - set(files)),
        problems=problems,
        checked=len(files),
    )
