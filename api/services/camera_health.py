"""Camera health as detector nodes report it, and the service's view of every camera.

Each node reports each of its cameras every few seconds (``detector/outbox/camera_reports.py``,
whose ``CameraReport`` is the message); the service keeps the latest report per camera. A
camera whose last report is older than the stale limit shows as ``stale`` whatever it said
then: its node (or the node's link to the service) is gone, which is exactly what a supervisor
must notice. A registered camera that never reported shows as ``unknown``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.db.models import Camera, CameraReport, CameraStream, KeyPoint, Squad
from detector.outbox.camera_reports import CameraReport as HealthReport
from detector.outbox.camera_reports import RunState

__all__ = ["CameraHealthView", "HealthReport", "RunState", "camera_health", "record_report"]


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
    group: str | None = Field(
        None,
        description="The watch group its stream is assigned to through the API; null when it "
        "runs from a node's CAMERAS.yaml (or nowhere).",
    )


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
        select(Camera, KeyPoint.code, Squad.code, CameraReport, CameraStream.group)
        .join(KeyPoint, KeyPoint.id == Camera.key_point_id)
        .join(Squad, Squad.id == Camera.squad_id)
        .outerjoin(CameraReport, CameraReport.camera_id == Camera.id)
        .outerjoin(CameraStream, CameraStream.camera_id == Camera.id)
        .order_by(Camera.id)
    )
    if squad_id is not None:
        query = query.where(Camera.squad_id == squad_id)
    views = []
    for camera, key_point, squad, row, group in session.execute(query):
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
                group=group,
            )
        )
    return views
