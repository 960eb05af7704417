"""Camera health as detector nodes report it, and the service's view of every camera.

Each node reports each of its cameras every few seconds (``detector/outbox/health.py``); the
service keeps the latest report per camera. A camera whose last report is older than the
stale limit shows as ``stale`` whatever it said then: its node (or the node's link to the
service) is gone, which is exactly what a supervisor must notice. A registered camera that
never reported shows as ``unknown``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.db.models import Camera, CameraReport, KeyPoint, Squad
from api.domain import UtcDatetime

COUNT = Annotated[int, Field(ge=0, le=10**12)]


class RunState(StrEnum):
    """What a node says its camera is doing."""

    CONNECTING = "connecting"
    ONLINE = "online"
    OFFLINE = "offline"
    """The source cannot be read; the node keeps retrying with a growing delay."""
    BACKING_OFF = "backing_off"
    """The camera's worker died more than once in a short time; it waits before restarting."""
    FINISHED = "finished"
    STOPPED = "stopped"
    FAILED = "failed"
    """The camera cannot run as configured (a missing scene, a broken model)."""


class HealthReport(BaseModel):
    """One node's report on one camera (the body of ``PUT /api/v1/cameras/{id}/health``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    node: str = Field(min_length=1, max_length=200, description="host, process or actor.")
    state: RunState = Field(description="What the camera is doing.")
    since: UtcDatetime = Field(description="When it entered that state.")
    frames: COUNT = Field(0, description="Frames analysed since the worker started.")
    last_frame_at: UtcDatetime | None = Field(None, description="The newest analysed frame.")
    incidents: COUNT = Field(0, description="Incidents raised since the worker started.")
    reconnects: COUNT = Field(0, description="Reconnections after the first connection.")
    outages: COUNT = Field(0, description="Times the source went from online to offline.")
    restarts: COUNT = Field(0, description="Times the camera's worker was restarted.")
    outbox_pending: COUNT | None = Field(None, description="Messages not yet delivered.")
    last_error: str | None = Field(None, max_length=500, description="The latest failure.")
    last_error_at: UtcDatetime | None = Field(None, description="When it happened.")


class CameraHealthView(BaseModel):
    """A registered camera and what is known of it now."""

    camera: str
    name: str
    key_point: str
    squad: str
    state: str = Field(description="The reported state, or unknown (never reported).")
    stale: bool = Field(description="No report within the stale limit: the node is not heard.")
    node: str | None
    reported_at: datetime | None = Field(description="When the service got the last report.")
    report: HealthReport | None


def record_report(session: Session, camera_id: str, report: HealthReport, now: datetime) -> bool:
    """Keep ``report`` as the camera's latest; False for a camera that is not registered."""
    if session.get(Camera, camera_id) is None:
        return False
    row = session.get(CameraReport, camera_id)
    if row is None:
        row = CameraReport(camera_id=camera_id)
        session.add(row)
    row.node, row.state = report.node, report.state.value
    row.report = report.model_dump(mode="json")
    row.reported_at = now
    return True


def camera_health(
    session: Session, now: datetime, stale_after: timedelta, squad_id: int | None = None
) -> list[CameraHealthView]:
    """Every registered camera (``squad_id``: that squad's), by camera id."""
    query = (
        select(Camera, KeyPoint.code, Squad.code, CameraReport)
        .join(KeyPoint, KeyPoint.id == Camera.key_point_id)
        .join(Squad, Squad.id == Camera.squad_id)
        .outerjoin(CameraReport, CameraReport.camera_id == Camera.id)
        .order_by(Camera.id)
    )
    if squad_id is not None:
        query = query.where(Camera.squad_id == squad_id)
    views = []
    for camera, key_point, squad, row in session.execute(query):
        views.append(
            CameraHealthView(
                camera=camera.id,
                name=camera.name,
                key_point=key_point,
                squad=squad,
                state="unknown" if row is None else row.state,
                stale=row is None or now - row.reported_at > stale_after,
                node=None if row is None else row.node,
                reported_at=None if row is None else row.reported_at,
                report=None if row is None else HealthReport.model_validate(row.report),
            )
        )
    return views
