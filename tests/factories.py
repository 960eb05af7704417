"""Builders for test inputs: generated clips, camera configs, incidents."""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from detector.demo.encode import write_video
from detector.demo.street import StreetScript, render_frames
from detector.incidents.record import IncidentRecord
from detector.sources.config import CameraConfig
from detector.sources.factory import create_source
from detector.sources.frames import EncodedPacket, ImageBGR, StreamTemplate

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED = REPO_ROOT.parent / "shared"
SHARED_CLIPS = SHARED / "data" / "clips"


POSTGRES_URL = os.environ.get(
    "STREETORDER_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
"""The machine's PostgreSQL; point parallel test runs at separate databases with the variable."""


def moving_bar_frames(
    seconds: float, fps: int, width: int = 320, height: int = 240
) -> list[ImageBGR]:
    """Cheap frames with motion, so encoders produce real P- and B-frames."""
    frames = []
    for index in range(round(seconds * fps)):
        image = np.full((height, width, 3), 90, np.uint8)
        x = (index * 4) % width
        image[:, x : x + 24] = (40, 200, 240)
        image[height // 3 : height // 3 + 12, :] = (index * 3) % 255
        frames.append(image)
    return frames


def make_clip(
    path: Path,
    *,
    seconds: float = 10.0,
    fps: int = 25,
    codec: str = "libx264",
    gop_frames: int | None = None,
    street: bool = False,
    width: int = 320,
    height: int = 240,
    b_frames: int | None = None,
) -> Path:
    """Encode a test clip (container from the suffix) with a key frame every ``gop_frames``."""
    if street:
        script = StreetScript(duration_s=seconds, fps=fps, width=width, height=height)
        frames: Any = render_frames(script)
    else:
        frames = moving_bar_frames(seconds, fps, width, height)
    if b_frames is None:
        # FFmpeg's MPEG-4 encoder shortens GOPs around B-frames; cameras send none in MPEG-4.
        b_frames = 0 if codec == "mpeg4" else 2
    write_video(frames, path, fps=fps, codec=codec, gop_frames=gop_frames, b_frames=b_frames)
    return path


def make_camera(source: Path | str, **overrides: Any) -> CameraConfig:
    values: dict[str, Any] = {"id": "cam-test", "source": str(source)}
    values.update(overrides)
    return CameraConfig.model_validate(values)


def make_incident(**overrides: Any) -> IncidentRecord:
    values: dict[str, Any] = {
        "id": "inc-0001",
        "camera": "cam-test",
        "type": "clutter",
        "box_xyxy": (40.0, 60.0, 120.0, 150.0),
        "score": 0.9,
        "zone": "pavement-east",
        "raised_s": 12.0,
    }
    values.update(overrides)
    return IncidentRecord.model_validate(values)


def read_packets(source: Path) -> list[EncodedPacket]:
    """Every packet of a file, as a camera's evidence buffer would receive them."""
    packets: list[EncodedPacket] = []
    camera = make_camera(source, sampling={"mode": "keyframes"})
    for _ in create_source(camera, packet_sink=packets.append, want_images=False).frames():
        pass
    return packets


def synthetic_packets(
    template: StreamTemplate,
    *,
    seconds: float,
    fps: int = 10,
    gop_frames: int = 20,
    epoch: int = 0,
    start_s: float = 0.0,
) -> list[EncodedPacket]:
    """Fake packets with real timing, for buffer logic that never decodes them."""
    return [
        EncodedPacket(
            data=b"\0" * 100,
            pts=i,
            dts=i,
            duration=1,
            time_base=Fraction(1, fps),
            is_keyframe=i % gop_frames == 0,
            epoch=epoch,
            media_time_s=start_s + i / fps,
            template=template,
        )
        for i in range(round(seconds * fps))
    ]


def render_clip(path: Path, script: StreetScript) -> Path:
    """Encode a scripted street (people, cars, light drift, a box put down) at 2 s GOPs."""
    write_video(render_frames(script), path, fps=script.fps)
    return path


def add_place(
    session: Any,
    *,
    camera_id: str,
    category: str = "market",
    squad_code: str = "squad-1",
) -> Any:
    """A squad, a key point of ``category`` in its area and a camera there; returns the camera."""
    from api.db.models import Camera, KeyPoint, Squad

    squad = Squad(code=squad_code, name=f"{squad_code} 中队")
    session.add(squad)
    session.flush()
    key_point = KeyPoint(
        code=f"{squad_code}-{category}",
        name=f"{category} point",
        category=category,
        squad_id=squad.id,
    )
    session.add(key_point)
    session.flush()
    camera = Camera(id=camera_id, name=camera_id, key_point_id=key_point.id, squad_id=squad.id)
    session.add(camera)
    session.flush()
    return camera


def purge_service_rows(database: Any) -> None:
    """Delete every row a ticket-service test committed, children first."""
    from sqlalchemy import delete

    from api.db import models

    with database.session() as session:
        for model in (
            models.AuditRecord,
            models.UserSession,
            models.User,
            models.ApiKey,
            models.Ticket,
            models.Inspection,
            models.CameraReport,
            models.CameraStream,
            models.Camera,
            models.KeyPoint,
            models.Squad,
        ):
            session.execute(delete(model))


def write_test_bundle(root: Path, incident: IncidentRecord, packets: list[EncodedPacket]) -> Any:
    """A real evidence bundle for ``incident`` under ``root`` (a black frame, ``packets`` as
    its clip); returns the ``Bundle``."""
    from detector.evidence.bundle import Provenance, write_bundle

    image = np.zeros((240, 320, 3), np.uint8)
    return write_bundle(root, incident, image, packets, Provenance())


def service_rows(database: Any) -> tuple[dict[str, str | None], dict[str, int]]:
    """What the ticket service stored: each ticket's incident id with its evidence manifest
    hash, and how many audit records there are per action."""
    from sqlalchemy import func, select

    from api.db import models

    with database.session() as session:
        tickets = session.execute(
            select(models.Ticket.incident_id, models.Ticket.manifest_sha256)
        ).all()
        actions = session.execute(
            select(models.AuditRecord.action, func.count()).group_by(models.AuditRecord.action)
        ).all()
    incident_ids = [incident_id for incident_id, _ in tickets]
    assert len(incident_ids) == len(set(incident_ids)), f"a ticket twice: {incident_ids}"
    return dict(tickets), {action: count for action, count in actions}


def file_ticket(
    database: Any, store: Any, incident: IncidentRecord, bundle: Any, *, actor: str, now: Any
) -> int:
    """Ingest ``incident`` and keep its evidence ``bundle`` in ``store`` as the service does for
    a detector node's upload (the same tar); returns the ticket's row id."""
    from api.services.tickets import ingest
    from detector.outbox.client import bundle_archive
    from detector.outbox.messages import BundleRef

    archive = bundle_archive(BundleRef(path=bundle.path, manifest_sha256=bundle.manifest_sha256))
    digest = store.put_bundle(incident.id, archive, bundle.manifest_sha256)
    with database.session() as session:
        row, _ = ingest(session, incident, actor=actor, now=now)
        row.manifest_sha256, row.evidence_path = digest, incident.id
        row_id: int = row.id
    return row_id
