"""Incidents and their evidence bundles sent as one detector node sends them, one at a time."""

from __future__ import annotations

import io
import tarfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, func, select

from api.db.models import Ticket
from benchmarks.ticket_service.common import TYPES, Bench, Fleet, log, percentile, refuse
from detector.demo.encode import write_video
from detector.demo.street import StreetScript, render_frames
from detector.evidence.bundle import Provenance, write_bundle
from detector.incidents.record import IncidentRecord
from detector.sources.config import CameraConfig, SamplingConfig
from detector.sources.factory import create_source
from detector.sources.frames import EncodedPacket, ImageBGR
from detector.sources.sampling import SamplingMode

TRIES = 50
CLIP = StreetScript(duration_s=20.0, fps=10, width=640, height=360)
"""The bundles' clip: the default 10 s pre-roll + 10 s post-roll, a 640x360 sub-stream."""
Clip = tuple[list[EncodedPacket], ImageBGR]


def incidents(fleet: Fleet, tag: str, count: int, now: datetime) -> list[IncidentRecord]:
    """``count`` distinct incidents, raised in the last ``count`` seconds, over every camera."""
    made = []
    for i in range(count):
        place = fleet.places[i % len(fleet.places)]
        raised = now - timedelta(seconds=count - i)
        made.append(
            IncidentRecord(
                id=f"{place.camera}-{tag}-{i:06d}",
                camera=place.camera,
                type=TYPES[(i // len(fleet.places)) % len(TYPES)],
                box_xyxy=(212.0, 180.0, 290.0, 236.0),
                score=0.87,
                scores={"static_change": 0.91, "objects": 0.83},
                zone="pavement",
                first_seen_at=raised - timedelta(seconds=45),
                raised_at=raised,
            )
        )
    return made


def render_clip(work: Path) -> Clip:
    """The packets of a rendered street clip, as a camera's ring buffer holds them, and the
    picture of its first key frame."""
    path = work / "clip.mp4"
    write_video(render_frames(CLIP), path, fps=CLIP.fps, gop_frames=2 * CLIP.fps)
    packets: list[EncodedPacket] = []
    images: list[ImageBGR] = []
    sampling = SamplingConfig(mode=SamplingMode.KEYFRAMES)
    camera = CameraConfig(id="bench", source=str(path), sampling=sampling)
    for frame in create_source(camera, packet_sink=packets.append).frames():
        if frame.image_bgr is not None:
            images.append(frame.image_bgr)
    return packets, images[0]


def bundle_tars(root: Path, made: Sequence[IncidentRecord], clip: Clip) -> list[bytes]:
    """One bundle per incident, in the same order, written by the detector's evidence writer
    (its ``incident.json`` names that incident) and tarred."""
    archives = []
    for incident in made:
        folder = write_bundle(root, incident, clip[1], clip[0], Provenance()).path
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w") as tar:
            for path in sorted(folder.iterdir()):
                tar.add(path, arcname=path.name)
        archives.append(buffer.getvalue())
    return archives


def send(call: Callable[[], httpx.Response], ok: int, retry: set[int], seen: Counter[str]) -> None:
    """Send until the answer is ``ok``, retrying (and counting) the codes in ``retry`` and
    dropped connections, as a detector node's outbox would."""
    for attempt in range(TRIES):
        try:
            response = call()
        except (httpx.ReadError, httpx.RemoteProtocolError):
            seen["connection reset"] += 1
            continue
        if response.status_code == ok or (attempt and ok == 201 and response.status_code == 200):
            return
        if response.status_code not in retry:
            refuse(response)
        seen[str(response.status_code)] += 1
        time.sleep(0.001 * (attempt + 1))
    raise RuntimeError(f"no answer {ok} after {TRIES} tries: {dict(seen)}")


def ingest(
    bench: Bench, made: Sequence[IncidentRecord], archives: Sequence[bytes] | None = None
) -> dict[str, Any]:
    """Send the incidents one after another, each followed by its own bundle if given."""
    client, headers = bench.client, {"X-API-Key": bench.fleet.api_key}
    bodies = [incident.model_dump(mode="json") for incident in made]
    each: list[float] = []
    seen: Counter[str] = Counter()
    started = time.perf_counter()
    for index, body in enumerate(bodies):
        t0 = time.perf_counter()
        post = partial(client.post, "/api/v1/incidents", json=body, headers=headers)
        send(post, 201, {500}, seen)
        if archives is not None:
            url = f"/api/v1/incidents/{made[index].id}/bundle"
            put = partial(client.put, url, content=archives[index], headers=headers)
            send(put, 200, {404, 500}, seen)
        each.append(time.perf_counter() - t0)
    wall_s = time.perf_counter() - started
    sent = sum(len(a) for a in archives) if archives is not None else 0
    run = {
        "tickets": len(made),
        "wall_s": wall_s,
        "tickets_per_s": len(made) / wall_s,
        "p50_ms": percentile(each, 50) * 1e3,
        "p95_ms": percentile(each, 95) * 1e3,
        "mb_per_s": sent / 1e6 / wall_s,
        "bundle_mb": sent / 1e6 / len(made),
        "retried": dict(sorted(seen.items())),
        "missing": missing(bench.engine, made, archives is not None),
    }
    what = f"{len(made)} incidents" + (" with bundles" if archives is not None else "")
    log(f"{bench.name}: {what}: {run['tickets_per_s']:.1f} tickets/s, retried {run['retried']}")
    return run


def missing(engine: Engine, made: Sequence[IncidentRecord], evidence: bool) -> int:
    """Incidents acknowledged (201, and 200 for the bundle) whose ticket, or bundle hash, is
    not in the database, looked up right after the last answer: the service commits first."""
    query = select(func.count()).where(Ticket.incident_id.in_([i.id for i in made]))
    if evidence:
        query = query.where(Ticket.manifest_sha256.is_not(None))
    with engine.connect() as connection:
        return len(made) - (connection.scalar(query) or 0)
