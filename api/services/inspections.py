"""Inspections of key points (street, video, district): recorded once, audited, listed.

An inspection counts for its key point's squad as registered when it is recorded, so moving a
key point to another squad later does not move past inspections. A resend of the same
inspection (same kind, key point, inspector and start) returns the stored one instead of
counting it twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from api.db.models import Camera, Inspection, KeyPoint, Squad, User
from api.domain import AuditEntry, DomainError, UtcDatetime, ValidationFailedError
from api.plan.model import InspectionKind
from api.services import audit_log

CLOCK_SKEW = timedelta(minutes=5)
"""How far in the future a reported start may lie (a node's clock running ahead)."""

Code = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
# No NUL characters: PostgreSQL refuses them in text columns.
Username = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=64, pattern=r"^[^\x00]+$"),
]
IncidentId = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=128, pattern=r"^[^\x00]+$"),
]
Text = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=2000, pattern=r"^[^\x00]*$")
]


class InspectionConflictError(DomainError):
    """The same inspection is already recorded with other contents (HTTP 409)."""


class InspectionSpec(BaseModel):
    """One inspection as reported by a person or a detector node."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key_point: Code = Field(description="The key point's code.")
    kind: InspectionKind = Field(description="street, video or district.")
    inspector: Username | None = Field(
        default=None,
        description="Who inspected (a username); defaults to the caller, a detector node "
        "must give the supervisor it ran the check for.",
    )
    started_at: UtcDatetime = Field(description="Start, with its time zone.")
    ended_at: UtcDatetime | None = Field(default=None, description="End, if known.")
    cameras: Annotated[list[Code], Field(max_length=100)] = Field(
        default_factory=list, description="Cameras looked at (video checks)."
    )
    findings: Annotated[list[IncidentId], Field(max_length=500)] = Field(
        default_factory=list, description="Ids of the incidents this inspection raised."
    )
    note: Text | None = None

    @model_validator(mode="after")
    def _ends_after_start(self) -> Self:
        if self.ended_at is not None and self.ended_at < self.started_at:
            raise ValueError("ended_at is before started_at")
        return self


class InspectionView(BaseModel):
    id: str
    """``I-<n>``."""
    kind: InspectionKind
    key_point: str
    squad: str
    """The squad it counts for."""
    inspector: str
    started_at: datetime
    ended_at: datetime | None
    cameras: list[str]
    findings: list[str]
    note: str | None
    recorded_by: str
    created_at: datetime


@dataclass(frozen=True)
class InspectionFilters:
    squad: str | None = None
    key_point: str | None = None
    kind: InspectionKind | None = None
    start: datetime | None = None
    end: datetime | None = None
    limit: int = 500


def inspection_key(row_id: int) -> str:
    return f"I-{row_id}"


def _view(row: Inspection, key_point: str, squad: str) -> InspectionView:
    return InspectionView(
        id=inspection_key(row.id),
        kind=InspectionKind(row.kind),
        key_point=key_point,
        squad=squad,
        inspector=row.inspector,
        started_at=row.started_at,
        ended_at=row.ended_at,
        cameras=list(row.cameras.get("ids", [])),
        findings=list(row.findings.get("incidents", [])),
        note=row.note,
        recorded_by=row.recorded_by,
        created_at=row.created_at,
    )


def _key_point(session: Session, code: str) -> tuple[KeyPoint, Squad]:
    found = session.execute(
        select(KeyPoint, Squad)
        .outerjoin(Squad, Squad.id == KeyPoint.squad_id)
        .where(KeyPoint.code == code)
    ).first()
    if found is None:
        raise ValidationFailedError("key_point", f"unknown key point {code!r}")
    key_point, squad = found
    if squad is None:
        raise ValidationFailedError("key_point", f"key point {code!r} belongs to no squad")
    return key_point, squad


def _check_cameras(session: Session, key_point: KeyPoint, ids: list[str]) -> None:
    cameras = {c.id: c for c in session.scalars(select(Camera).where(Camera.id.in_(ids)))}
    for camera_id in ids:
        camera = cameras.get(camera_id)
        if camera is None:
            raise ValidationFailedError("cameras", f"unknown camera {camera_id!r}")
        if camera.key_point_id != key_point.id:
            raise ValidationFailedError(
                "cameras", f"camera {camera_id!r} is not at key point {key_point.code!r}"
            )


def _check_inspector(session: Session, username: str) -> None:
    if session.scalars(select(User.id).where(User.username == username)).first() is None:
        raise ValidationFailedError("inspector", f"unknown user {username!r}")


def squad_of(session: Session, key_point_code: str) -> Squad:
    """The squad a key point's inspections count for; 422 for an unknown key point."""
    return _key_point(session, key_point_code)[1]


def record(
    session: Session, spec: InspectionSpec, *, inspector: str, actor: str, now: datetime
) -> tuple[InspectionView, bool]:
    """Store ``spec`` (inspected by ``inspector``) unless it is already stored; returns its view
    and whether it was created. Audited as entity ``inspection``."""
    if spec.started_at > now + CLOCK_SKEW:
        raise ValidationFailedError(
            "started_at", f"{spec.started_at.isoformat()} is in the future (now {now.isoformat()})"
        )
    key_point, squad = _key_point(session, spec.key_point)
    _check_cameras(session, key_point, spec.cameras)
    _check_inspector(session, inspector)
    values: dict[str, Any] = {
        "kind": spec.kind.value,
        "key_point_id": key_point.id,
        "inspector": inspector,
        "started_at": spec.started_at,
        "ended_at": spec.ended_at,
        "cameras": {"ids": list(spec.cameras)},
        "findings": {"incidents": list(spec.findings)},
        "note": spec.note,
    }
    existing = session.scalars(
        select(Inspection).where(
            Inspection.kind == spec.kind.value,
            Inspection.key_point_id == key_point.id,
            Inspection.inspector == inspector,
            Inspection.started_at == spec.started_at,
        )
    ).first()
    if existing is not None:
        if any(getattr(existing, key) != value for key, value in values.items()):
            raise InspectionConflictError(
                f"{inspection_key(existing.id)} already records the {spec.kind.value} inspection "
                f"of {spec.key_point} by {inspector} at {spec.started_at.isoformat()} "
                "with other contents"
            )
        return _view(existing, key_point.code, squad.code), False
    row = Inspection(**values, squad_id=squad.id, recorded_by=actor, created_at=now)
    session.add(row)
    session.flush()
    view = _view(row, key_point.code, squad.code)
    entry = AuditEntry(
        at=now,
        actor=actor,
        action="record",
        entity="inspection",
        entity_id=view.id,
        before=None,
        after=view.model_dump(mode="json"),
    )
    audit_log.append(session, entry)
    return view, True


def _query(filters: InspectionFilters) -> Select[Inspection, str, str]:
    query = (
        select(Inspection, KeyPoint.code, Squad.code)
        .join(KeyPoint, KeyPoint.id == Inspection.key_point_id)
        .join(Squad, Squad.id == Inspection.squad_id)
    )
    if filters.squad is not None:
        query = query.where(Squad.code == filters.squad)
    if filters.key_point is not None:
        query = query.where(KeyPoint.code == filters.key_point)
    if filters.kind is not None:
        query = query.where(Inspection.kind == filters.kind.value)
    if filters.start is not None:
        query = query.where(Inspection.started_at >= filters.start)
    if filters.end is not None:
        query = query.where(Inspection.started_at < filters.end)
    return query.order_by(Inspection.started_at, Inspection.id).limit(filters.limit)


def list_inspections(session: Session, filters: InspectionFilters) -> list[InspectionView]:
    """Inspections matching every filter, oldest start first (``start`` included, ``end``
    excluded)."""
    return [_view(row, kp, squad) for row, kp, squad in session.execute(_query(filters))]
