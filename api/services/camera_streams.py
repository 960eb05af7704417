"""Camera streams: an admin assigns a registered camera to a watch group with its source,
sampling and scene layout; the group's driver reads them and runs the cameras.

Every change is audited with the source's password hidden; reading streams (passwords and all)
is for detector nodes and admins only.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.db.engine import LOST_RACES, Database
from api.db.models import Camera, CameraStream, KeyPoint, Squad
from api.domain import AuditEntry, DomainError
from api.services import audit_log
from api.services.tickets import NotFoundError
from detector.pipeline.streams import AssignedStream
from detector.pipeline.streams import CameraStream as StreamSpec
from detector.rules.scene import CameraInfo
from detector.sources.locator import redact

__all__ = [
    "AssignedStream",
    "StreamConflictError",
    "StreamSpec",
    "assigned_streams",
    "put_stream",
    "put_stream_committed",
    "remove_stream",
    "remove_stream_committed",
]


class StreamConflictError(DomainError):
    """Other writes kept winning the race for this camera's stream (or for the audit chain's
    next record) however often it ran again (HTTP 409): sending it again decides on what they
    left."""


def _audited(stream: dict[str, Any] | None) -> dict[str, Any] | None:
    if stream is None:
        return None
    return stream | {"source": redact(str(stream["source"]))}


def _audit(
    session: Session,
    camera_id: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    *,
    actor: str,
    now: datetime,
) -> None:
    action = (
        "assign_stream" if before is None else "remove_stream" if after is None else "update_stream"
    )
    entry = AuditEntry(
        at=now,
        actor=actor,
        action=action,
        entity="camera",
        entity_id=camera_id,
        before=_audited(before),
        after=_audited(after),
    )
    audit_log.append(session, entry)


def put_stream(
    session: Session, camera_id: str, spec: StreamSpec, *, actor: str, now: datetime
) -> str:
    """Assign or change the camera's stream: ``created``, ``updated`` or ``unchanged``."""
    if session.get(Camera, camera_id) is None:
        raise NotFoundError(
            f"camera {camera_id!r} is not registered: PUT /api/v1/cameras/{camera_id} first"
        )
    values = spec.model_dump(mode="json")
    row = session.get(CameraStream, camera_id)
    if row is not None and row.stream == values:
        return "unchanged"
    before = None if row is None else row.stream
    if row is None:
        row = CameraStream(camera_id=camera_id, revision=0)
        session.add(row)
    row.group = spec.group
    row.stream = values
    row.revision += 1
    row.updated_at = now
    row.updated_by = actor
    session.flush()
    _audit(session, camera_id, before, values, actor=actor, now=now)
    return "created" if before is None else "updated"


def put_stream_committed(
    database: Database, camera_id: str, spec: StreamSpec, *, actor: str, now: datetime
) -> tuple[str, AssignedStream]:
    """``put_stream`` in a transaction of its own, committed, with the stream as it now is.

    Detector nodes append to the audit chain all the time, and two admins may assign the same
    camera at once: the loser of either race (the next audit ``seq``, the first insert) runs
    again on the new state, where it appends after the winner or updates its row.
    """

    def once(session: Session) -> tuple[str, AssignedStream]:
        outcome = put_stream(session, camera_id, spec, actor=actor, now=now)
        return outcome, assigned_streams(session, camera_id=camera_id)[0]

    try:
        return database.committed(once, f"stream of camera {camera_id}")
    except LOST_RACES:
        raise _conflict(camera_id) from None


def remove_stream_committed(
    database: Database, camera_id: str, *, actor: str, now: datetime
) -> bool:
    """``remove_stream`` in a transaction of its own, run again when it loses the audit
    chain's race (see ``put_stream_committed``)."""
    try:
        return database.committed(
            lambda session: remove_stream(session, camera_id, actor=actor, now=now),
            f"stream removal of camera {camera_id}",
        )
    except LOST_RACES:
        raise _conflict(camera_id) from None


def _conflict(camera_id: str) -> StreamConflictError:
    return StreamConflictError(
        f"camera {camera_id}'s stream was changed by someone else at the same moment; send it again"
    )


def remove_stream(session: Session, camera_id: str, *, actor: str, now: datetime) -> bool:
    """Take the camera out of its group's watch; False when it had no stream."""
    row = session.get(CameraStream, camera_id)
    if row is None:
        return False
    before = row.stream
    session.delete(row)
    session.flush()
    _audit(session, camera_id, before, None, actor=actor, now=now)
    return True


def assigned_streams(
    session: Session, group: str | None = None, camera_id: str | None = None
) -> list[AssignedStream]:
    """The streams of ``group`` (or of every group), with each camera as registered."""
    query = (
        select(CameraStream, Camera, KeyPoint.category, Squad.code)
        .join(Camera, Camera.id == CameraStream.camera_id)
        .join(KeyPoint, KeyPoint.id == Camera.key_point_id)
        .join(Squad, Squad.id == Camera.squad_id)
        .order_by(CameraStream.camera_id)
    )
    if group is not None:
        query = query.where(CameraStream.group == group)
    if camera_id is not None:
        query = query.where(CameraStream.camera_id == camera_id)
    return [
        AssignedStream(
            camera=CameraInfo(id=camera.id, name=camera.name, key_point=category, squad=squad),
            stream=StreamSpec.model_validate(row.stream),
            revision=row.revision,
        )
        for row, camera, category, squad in session.execute(query)
    ]
