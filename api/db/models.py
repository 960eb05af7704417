"""Squads, key points, cameras and their streams, users, API keys, tickets, inspections and
the audit chain."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from api.db.base import Base


class Squad(Base):
    """A squad (中队): receives dispatched tickets for its area."""

    __tablename__ = "squad"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))


class KeyPoint(Base):
    """A supervised place; ``category`` is a key-point code from datasets/taxonomy.yaml."""

    __tablename__ = "key_point"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    """The bureau's own short name for the place (``xx-hospital-east-gate``); stable across
    re-registration, unlike ``id``."""
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(32))
    squad_id: Mapped[int | None] = mapped_column(ForeignKey("squad.id"))


class Camera(Base):
    __tablename__ = "camera"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    key_point_id: Mapped[int] = mapped_column(ForeignKey("key_point.id"))
    squad_id: Mapped[int] = mapped_column(ForeignKey("squad.id"))


class User(Base):
    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(32))
    """admin, supervisor, squad_member or detector_node."""
    squad_id: Mapped[int | None] = mapped_column(ForeignKey("squad.id"))
    created_at: Mapped[datetime]


class UserSession(Base):
    """A bearer token (or UI session) of a user, stored as a SHA-256 hash."""

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class ApiKey(Base):
    """A detector node's key, stored hashed; only its prefix is kept in clear to find it."""

    __tablename__ = "api_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    key_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class Ticket(Base):
    """One supervision ticket per incident."""

    __tablename__ = "ticket"
    __table_args__ = (
        Index("ix_ticket_status_raised", "status", "raised_at"),
        Index("ix_ticket_squad_status", "squad_id", "status"),
        # The repeat rule: one type at one place within 30 days.
        Index("ix_ticket_place_type_raised", "key_point_id", "type", "raised_at"),
        # A squad's tickets over a date range (lists, dashboards, reports).
        Index("ix_ticket_squad_raised", "squad_id", "raised_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[str] = mapped_column(String(128), unique=True)
    type: Mapped[str] = mapped_column(String(32))
    camera_id: Mapped[str] = mapped_column(ForeignKey("camera.id"))
    key_point_id: Mapped[int] = mapped_column(ForeignKey("key_point.id"))
    squad_id: Mapped[int] = mapped_column(ForeignKey("squad.id"))
    status: Mapped[str] = mapped_column(String(32))
    priority: Mapped[str] = mapped_column(String(16))
    first_seen_at: Mapped[datetime | None]
    raised_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    box_xyxy: Mapped[dict[str, Any]]
    """``{"x1": …, "y1": …, "x2": …, "y2": …}`` in source pixels."""
    score: Mapped[float]
    scores: Mapped[dict[str, Any]]
    evidence_path: Mapped[str | None] = mapped_column(String(500))
    manifest_sha256: Mapped[str | None] = mapped_column(String(64))
    deadline: Mapped[datetime | None]
    reject_reason: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(String(2000))
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"))
    state: Mapped[dict[str, Any]] = mapped_column(server_default="{}")
    """The life cycle's own record (``api.domain.TicketState``); the columns above mirror the
    parts that lists filter and sort on."""
    version: Mapped[int] = mapped_column(default=1)
    """Optimistic lock: two reviewers acting at once cannot both win."""
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy reads it as is

    def box(self) -> tuple[float, float, float, float]:
        """``box_xyxy`` as (x1, y1, x2, y2) in source pixels."""
        stored = self.box_xyxy
        return (
            float(stored["x1"]),
            float(stored["y1"]),
            float(stored["x2"]),
            float(stored["y2"]),
        )


class Inspection(Base):
    """One inspection of a key point: on the street by a squad, through the city video
    platform (the analyzers on the point's cameras), or a district-bureau visit to a squad.
    Counted toward the plan's targets by ``kind`` (``api.plan.model.InspectionKind``)."""

    __tablename__ = "inspection"
    __table_args__ = (
        # A squad's inspections over a period (plan progress, reports).
        Index("ix_inspection_squad_started", "squad_id", "started_at"),
        Index("ix_inspection_key_point_started", "key_point_id", "started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    """street, video or district."""
    key_point_id: Mapped[int] = mapped_column(ForeignKey("key_point.id"))
    squad_id: Mapped[int] = mapped_column(ForeignKey("squad.id"))
    """The squad the inspection counts for: the key point's squad when it was recorded."""
    inspector: Mapped[str] = mapped_column(String(64))
    """Username of the person who inspected (or, for a video check run by a detector node,
    the supervisor it was run for)."""
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    cameras: Mapped[dict[str, Any]] = mapped_column(server_default="{}")
    """``{"ids": [camera ids looked at]}``."""
    findings: Mapped[dict[str, Any]] = mapped_column(server_default="{}")
    """``{"incidents": [incident ids raised by this inspection]}``; those become tickets
    through the ordinary ingest."""
    note: Mapped[str | None] = mapped_column(String(2000))
    recorded_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]


class CameraReport(Base):
    """The latest health a detector node reported for a camera (one row per camera, replaced
    on every report; health is a view of now, not a history)."""

    __tablename__ = "camera_report"

    camera_id: Mapped[str] = mapped_column(ForeignKey("camera.id"), primary_key=True)
    node: Mapped[str] = mapped_column(String(200))
    """Which node runs the camera (host, process, Ray actor), as the node names itself."""
    state: Mapped[str] = mapped_column(String(32))
    report: Mapped[dict[str, Any]]
    """The whole report (``api.services.camera_health.HealthReport``)."""
    reported_at: Mapped[datetime]
    """When the service received it (its clock, so a node's wrong clock cannot hide a stale
    camera)."""


class CameraStream(Base):
    """Which watch group runs a camera and how (``detector.pipeline.streams.CameraStream``):
    the cluster's driver asks for its group's streams and starts or stops cameras to match."""

    __tablename__ = "camera_stream"

    camera_id: Mapped[str] = mapped_column(ForeignKey("camera.id"), primary_key=True)
    group: Mapped[str] = mapped_column(String(64), index=True)
    stream: Mapped[dict[str, Any]]
    """The whole stream as JSON, group included."""
    revision: Mapped[int]
    updated_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(String(100))


class AuditRecord(Base):
    """Append-only; each record holds the previous record's hash (see api/domain/audit.py)."""

    __tablename__ = "audit_record"
    __table_args__ = (
        UniqueConstraint("prev_hash", name="uq_audit_record_prev_hash"),
        # One ticket's (or camera's…) history, for its timeline.
        Index("ix_audit_record_entity", "entity", "entity_id", "seq"),
    )

    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(32))
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(128))
    before: Mapped[dict[str, Any] | None]
    after: Mapped[dict[str, Any] | None]
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
