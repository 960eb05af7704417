"""One evidence bundle per incident, written atomically: temporary folder, then rename."""

from __future__ import annotations

import json
import logging
import os
import shutil
import uuid
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import av
import cv2

import detector
from detector.errors import EvidenceError
from detector.evidence.clip import ClipInfo, write_clip
from detector.evidence.manifest import write_manifest
from detector.incidents.record import IncidentRecord
from detector.sources.frames import EncodedPacket, ImageBGR

log = logging.getLogger(__name__)

TEMP_PREFIX = ".partial-"
"""Folders still being written; a crash leaves them with this prefix, never under a bundle name."""
BOX_COLOUR_BGR = (0, 0, 255)
JPEG_QUALITY = 92


@dataclass(frozen=True)
class Provenance:
    """Which software, model and configuration produced an incident."""

    model: dict[str, Any] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "software": {
                "streetorder": detector.__version__,
                "pyav": av.__version__,
                "ffmpeg": av.ffmpeg_version_info,
            },
            "model": self.model,
            "config": self.config,
        }


@dataclass(frozen=True)
class Bundle:
    """A finished bundle on disk."""

    path: Path
    clip: ClipInfo
    manifest_sha256: str


def _encode_jpeg(image: ImageBGR, path: Path) -> None:
    ok, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    if not ok:
        raise EvidenceError(f"cannot encode {path.name}")
    path.write_bytes(encoded.tobytes())


def draw_box(image: ImageBGR, box_xyxy: tuple[float, float, float, float], label: str) -> ImageBGR:
    """A copy of ``image`` with the incident box and its label drawn on it."""
    out = image.copy()
    height, width = out.shape[:2]
    x1, y1, x2, y2 = (round(v) for v in box_xyxy)
    thickness = max(2, round(min(width, height) / 200))
    cv2.rectangle(out, (x1, y1), (x2, y2), BOX_COLOUR_BGR, thickness)
    scale = max(0.4, min(width, height) / 800)
    text_y = y1 - 6 if y1 > 20 else y2 + int(20 * scale) + 4
    cv2.putText(
        out, label, (x1, text_y), cv2.FONT_HERSHEY_SIMPLEX, scale, BOX_COLOUR_BGR, thickness
    )
    return out


def _incident_document(
    incident: IncidentRecord, clip: ClipInfo, moment_s: float, provenance: Provenance
) -> dict[str, Any]:
    return {
        "incident": incident.model_dump(mode="json"),
        "clip": {
            "file": "clip.mp4",
            "method": clip.method.value,
            "source_codec": clip.source_codec,
            "start_media_s": round(clip.start_media_s, 3),
            "end_media_s": round(clip.end_media_s, 3),
            "moment_media_s": round(moment_s, 3),
            "pre_roll_s": round(moment_s - clip.start_media_s, 3),
            "post_roll_s": round(clip.end_media_s - moment_s, 3),
        },
        **provenance.as_json(),
    }


def _fsync_dir(folder: Path) -> None:
    directory = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def _fsync_tree(folder: Path) -> None:
    for path in folder.iterdir():
        with path.open("rb") as handle:
            os.fsync(handle.fileno())
    _fsync_dir(folder)


def remove_partials(root: Path) -> list[Path]:
    """Delete bundles a crash left half-written; they never had a real name. Returns them."""
    if not root.is_dir():
        return []
    partials = [p for p in root.iterdir() if p.is_dir() and p.name.startswith(TEMP_PREFIX)]
    for partial in partials:
        log.warning("removing half-written evidence bundle %s (left by a crash)", partial)
        shutil.rmtree(partial, ignore_errors=True)
    return partials


def write_bundle(
    root: Path,
    incident: IncidentRecord,
    image_bgr: ImageBGR,
    packets: list[EncodedPacket],
    provenance: Provenance,
    moment_s: float | None = None,
) -> Bundle:
    """Write the bundle for ``incident`` under ``root/<incident id>`` and return it.

    ``image_bgr`` is the analysed frame at the incident moment (``moment_s``, media seconds;
    default the first packet); ``packets`` the clip window. The bundle appears under its final
    name only once complete and synced.
    """
    if moment_s is None:
        moment_s = packets[0].media_time_s if packets else 0.0
    final = root / incident.id
    if final.exists():
        raise EvidenceError(f"bundle already exists, not overwritten: {final}")
    root.mkdir(parents=True, exist_ok=True)
    partial = root / f"{TEMP_PREFIX}{incident.id}-{uuid.uuid4().hex[:8]}"
    partial.mkdir()
    try:
        clip = write_clip(packets, partial / "clip.mp4")
        _encode_jpeg(image_bgr, partial / "frame.jpg")
        label = f"{incident.type} {incident.score:.2f}"
        _encode_jpeg(draw_box(image_bgr, incident.box_xyxy, label), partial / "snapshot.jpg")
        document = _incident_document(incident, clip, moment_s, provenance)
        (partial / "incident.json").write_text(
            json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        manifest = write_manifest(partial)
        _fsync_tree(partial)
        partial.rename(final)
        _fsync_dir(root)  # the rename itself must survive a power cut
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return Bundle(final, replace(clip, path=final / "clip.mp4"), manifest["manifest_sha256"])
