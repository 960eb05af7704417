"""``streetorder dataset from-tickets``: reviewers' decisions as training data.

Confirmed tickets (any status in ``api.domain.COUNTED_STATUSES``) give their ``frame.jpg``
with the ticket's box under its current type, so a reclassification corrects the label.
Tickets rejected as ``false_detection`` give their frame as a hard negative (an empty label
file): the picture that fooled the analyzer, with nothing in it to find. Frames of one scene
are kept once (see ``detector.dataset.scenes``), with every confirmed box of the scene.

Only evidence that still matches the manifest hash recorded on the ticket is used, and it is
always copied, never hard-linked: editing a training image must not edit evidence.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from api.db.models import Ticket
from api.domain import COUNTED_STATUSES, DomainError, RejectReason, TicketStatus
from api.services.tickets import ticket_key
from api.storage import DirectoryStore
from detector.dataset.model import (
    Box,
    DatasetError,
    box_from_xyxy,
    sha256_bytes,
    split_of,
    yolo_line,
)
from detector.dataset.scenes import SCENE_THRESHOLD, Frame, group_scenes, thumbnail
from detector.dataset.yolo import WriteReport, YoloWriter
from detector.evidence.manifest import MANIFEST_NAME, canonical_json, verify_bundle

SAME_BOX_IOU = 0.9
"""Two confirmed boxes of one type in one scene overlapping this much are one object ticketed
twice (a repeat before a merge): it is labelled once."""


@dataclass(frozen=True)
class ReviewedTicket:
    key: str
    incident_id: str
    camera: str
    status: str
    reviewed_type: str
    reject_reason: str | None
    raised_at: datetime
    box_xyxy: tuple[float, float, float, float]
    frame: Path
    incident: dict[str, Any]
    """The bundle's ``incident.json`` (detected type, model, software, config)."""

    @property
    def negative(self) -> bool:
        return self.status == TicketStatus.REJECTED.value

    def provenance(self) -> dict[str, Any]:
        detected = self.incident.get("incident")
        return {
            "ticket": self.key,
            "incident_id": self.incident_id,
            "camera": self.camera,
            "status": self.status,
            "reviewed_type": self.reviewed_type,
            "detected_type": detected.get("type") if isinstance(detected, dict) else None,
            "reject_reason": self.reject_reason,
            "raised_at": self.raised_at.isoformat(),
            "model": self.incident.get("model"),
            "software": self.incident.get("software"),
        }


@dataclass
class TicketExport:
    report: WriteReport
    tickets: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    """(ticket, why it was left out)."""
    same_scene: int = 0
    """Tickets whose frame joined an earlier ticket's scene."""
    dataset_sha256: str = ""


def parse_since(text: str | None) -> datetime | None:
    """``--since``: a date (UTC midnight) or an ISO date-time (UTC when it names no zone)."""
    if text is None:
        return None
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC)
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise DatasetError(f"--since {text!r}: want a date such as 2025-01-31") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def load_reviewed(
    session: Session, store: DirectoryStore, since: datetime | None
) -> tuple[list[ReviewedTicket], list[tuple[str, str]]]:
    """Confirmed and false-detection tickets with intact evidence, by camera and time."""
    wanted = or_(
        Ticket.status.in_([status.value for status in COUNTED_STATUSES]),
        and_(
            Ticket.status == TicketStatus.REJECTED.value,
            Ticket.reject_reason == RejectReason.FALSE_DETECTION.value,
        ),
    )
    query = select(Ticket).where(wanted).order_by(Ticket.camera_id, Ticket.raised_at, Ticket.id)
    if since is not None:
        query = query.where(Ticket.raised_at >= since)
    found: list[ReviewedTicket] = []
    skipped: list[tuple[str, str]] = []
    for row in session.scalars(query):
        result = _with_evidence(row, store)
        if isinstance(result, str):
            skipped.append((ticket_key(row.id), result))
        else:
            found.append(result)
    return found, skipped


def _with_evidence(row: Ticket, store: DirectoryStore) -> ReviewedTicket | str:
    if row.manifest_sha256 is None:
        return "no evidence bundle uploaded"
    try:
        manifest = store.path_of(row.incident_id, MANIFEST_NAME)
        frame = store.path_of(row.incident_id, "frame.jpg")
    except DomainError:
        return "incident id unusable for storage"
    if manifest is None or frame is None:
        return "evidence bundle not in the store"
    if not verify_bundle(manifest.parent, row.manifest_sha256).ok:
        return "evidence does not match its recorded manifest hash"
    try:
        incident = json.loads((manifest.parent / "incident.json").read_text(encoding="utf-8"))
    except ValueError:
        return "incident.json of the bundle is unreadable"
    return ReviewedTicket(
        key=ticket_key(row.id),
        incident_id=row.incident_id,
        camera=row.camera_id,
        status=row.status,
        reviewed_type=row.type,
        reject_reason=row.reject_reason,
        raised_at=row.raised_at,
        box_xyxy=row.box(),
        frame=frame,
        incident=incident if isinstance(incident, dict) else {},
    )


def iou(a: Box, b: Box) -> float:
    ax1, ay1, ax2, ay2 = a.cx - a.w / 2, a.cy - a.h / 2, a.cx + a.w / 2, a.cy + a.h / 2
    bx1, by1, bx2, by2 = b.cx - b.w / 2, b.cy - b.h / 2, b.cx + b.w / 2, b.cy + b.h / 2
    inter = max(0.0, min(ax2, bx2) - max(ax1, bx1)) * max(0.0, min(ay2, by2) - max(ay1, by1))
    union = a.w * a.h + b.w * b.h - inter
    return inter / union if union > 0 else 0.0


def scene_boxes(tickets: Sequence[ReviewedTicket], size: tuple[int, int]) -> list[Box]:
    """The confirmed boxes of one scene's tickets, each object once."""
    boxes: list[Box] = []
    for ticket in tickets:
        if ticket.negative:
            continue
        box = box_from_xyxy(ticket.reviewed_type, *ticket.box_xyxy, *size)
        if box is None:
            continue
        if not any(box.name == kept.name and iou(box, kept) >= SAME_BOX_IOU for kept in boxes):
            boxes.append(box)
    return boxes


@dataclass(frozen=True)
class _Loaded:
    ticket: ReviewedTicket
    sha256: str
    frame: Frame


def _load_frames(
    tickets: Sequence[ReviewedTicket], names: Sequence[str], skipped: list[tuple[str, str]]
) -> list[_Loaded]:
    loaded = []
    for ticket in tickets:
        if not ticket.negative and ticket.reviewed_type not in names:
            skipped.append((ticket.key, f"type {ticket.reviewed_type!r} is not in the taxonomy"))
            continue
        content = ticket.frame.read_bytes()
        image = cv2.imdecode(np.frombuffer(content, np.uint8), cv2.IMREAD_COLOR)
        if image is None:
            skipped.append((ticket.key, "frame.jpg does not decode"))
            continue
        digest = sha256_bytes(content)
        size = (int(image.shape[1]), int(image.shape[0]))
        loaded.append(_Loaded(ticket, digest, Frame(ticket.camera, digest, size, thumbnail(image))))
    return loaded


def export_reviewed(
    tickets: Sequence[ReviewedTicket],
    out: Path,
    *,
    names: Sequence[str],
    val_fraction: float,
    threshold: float = SCENE_THRESHOLD,
    comments: Sequence[str] = (),
    skipped: Sequence[tuple[str, str]] = (),
) -> TicketExport:
    """Write the dataset; ``skipped`` are tickets ``load_reviewed`` already left out."""
    ids = {name: index for index, name in enumerate(names)}
    writer = YoloWriter(out, names, link=False)
    result = TicketExport(writer.report, len(tickets) + len(skipped), list(skipped))
    loaded = _load_frames(tickets, names, result.skipped)
    by_image: dict[str, dict[str, Any]] = {}
    for group in group_scenes([item.frame for item in loaded], threshold):
        kept = loaded[group[0]]
        members = [loaded[index].ticket for index in group]
        result.same_scene += len(group) - 1
        boxes = scene_boxes(members, kept.frame.size)
        lines = [yolo_line(ids[box.name], box) for box in boxes]
        if not lines and not all(member.negative for member in members):
            # A confirmed violation with no usable box must not become a "nothing here" image.
            result.skipped += [(member.key, "box lies outside the frame") for member in members]
            continue
        split = split_of(kept.sha256, val_fraction)
        path = writer.add(kept.ticket.frame, split, lines, kept.sha256)
        by_image[path] = {
            "image": path,
            "sha256": kept.sha256,
            "split": split,
            "camera": kept.ticket.camera,
            "negative": not lines,
            "labels": lines,
            "tickets": [member.provenance() for member in members],
        }
    provenance = [by_image[path] for path in sorted(by_image)]
    result.dataset_sha256 = dataset_hash(names, provenance)
    _write_provenance(out, provenance)
    writer.finish([*comments, f"dataset sha256: {result.dataset_sha256}"])
    _write_summary(out, result, names, val_fraction, threshold)
    return result


def dataset_hash(names: Sequence[str], images: Sequence[dict[str, Any]]) -> str:
    """A hash of what training sees: class names, each image's content, split and labels."""
    body = [{key: entry[key] for key in ("image", "sha256", "split", "labels")} for entry in images]
    return sha256_bytes(canonical_json({"names": list(names), "images": body}))


def _write_provenance(out: Path, provenance: Sequence[dict[str, Any]]) -> None:
    with (out / "provenance.jsonl").open("w", encoding="utf-8") as handle:
        for entry in provenance:
            handle.write(json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n")


def _write_summary(
    out: Path, result: TicketExport, names: Sequence[str], val_fraction: float, threshold: float
) -> None:
    summary = {
        "format": "streetorder-ticket-dataset/1",
        "dataset_sha256": result.dataset_sha256,
        "names": list(names),
        "images": dict(result.report.images),
        "boxes": dict(result.report.boxes),
        "negatives": dict(result.report.negatives),
        "tickets": result.tickets,
        "same_scene": result.same_scene,
        "skipped": [{"ticket": key, "why": why} for key, why in result.skipped],
        "val_fraction": val_fraction,
        "scene_threshold": threshold,
    }
    (out / "dataset.json").write_text(
        json.dumps(summary, indent=2, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8"
    )
