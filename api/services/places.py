"""Registering squads, key points and cameras: create or update by code, every change audited."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.db.models import Camera, KeyPoint, Squad
from api.domain import AuditEntry
from api.domain.places import CameraSpec, KeyPointSpec, PlacesFile, SquadSpec
from api.services import audit_log
from api.services.tickets import NotFoundError

Outcome = str
"""``created``, ``updated`` or ``unchanged``."""


def _squad_by_code(session: Session, code: str) -> Squad:
    squad = session.scalars(select(Squad).where(Squad.code == code)).first()
    if squad is None:
        raise NotFoundError(f"unknown squad {code!r}: register it first")
    return squad


def _key_point_by_code(session: Session, code: str) -> KeyPoint:
    key_point = session.scalars(select(KeyPoint).where(KeyPoint.code == code)).first()
    if key_point is None:
        raise NotFoundError(f"unknown key point {code!r}: register it first")
    return key_point


def _save(
    session: Session,
    row: Any,
    values: dict[str, Any],
    *,
    entity: str,
    entity_id: str,
    actor: str,
    now: datetime,
) -> Outcome:
    """Create ``row`` (not yet in the session) or bring it to ``values``; audit any change."""
    created = row not in session
    before = None if created else {key: getattr(row, key) for key in values}
    if before == values:
        return "unchanged"
    for key, value in values.items():
        setattr(row, key, value)
    if created:
        session.add(row)
    session.flush()
    entry = AuditEntry(
        at=now,
        actor=actor,
        action="create" if created else "update",
        entity=entity,
        entity_id=entity_id,
        before=before,
        after=values,
    )
    audit_log.append(session, entry)
    return "created" if created else "updated"


def put_squad(
    session: Session, code: str, spec: SquadSpec, *, actor: str, now: datetime
) -> Outcome:
    row = session.scalars(select(Squad).where(Squad.code == code)).first() or Squad(code=code)
    values = {"name": spec.name}
    return _save(session, row, values, entity="squad", entity_id=code, actor=actor, now=now)


def put_key_point(
    session: Session, code: str, spec: KeyPointSpec, *, actor: str, now: datetime
) -> Outcome:
    squad = _squad_by_code(session, spec.squad)
    row = session.scalars(select(KeyPoint).where(KeyPoint.code == code)).first()
    values = {"name": spec.name, "category": spec.category, "squad_id": squad.id}
    return _save(
        session,
        row or KeyPoint(code=code),
        values,
        entity="key_point",
        entity_id=code,
        actor=actor,
        now=now,
    )


def put_camera(
    session: Session, camera_id: str, spec: CameraSpec, *, actor: str, now: datetime
) -> Outcome:
    key_point = _key_point_by_code(session, spec.key_point)
    squad_id = key_point.squad_id if spec.squad is None else _squad_by_code(session, spec.squad).id
    if squad_id is None:
        raise NotFoundError(f"key point {spec.key_point!r} has no squad: name the camera's squad")
    values = {"name": spec.name, "key_point_id": key_point.id, "squad_id": squad_id}
    row = session.get(Camera, camera_id) or Camera(id=camera_id)
    return _save(session, row, values, entity="camera", entity_id=camera_id, actor=actor, now=now)


def apply_places(
    session: Session, places: PlacesFile, *, actor: str, now: datetime
) -> Counter[str]:
    """Apply a places file in the caller's transaction; counts of created/updated/unchanged."""
    outcomes: Counter[str] = Counter()
    for squad in places.squads:
        outcomes[put_squad(session, squad.code, squad, actor=actor, now=now)] += 1
    for key_point in places.key_points:
        outcomes[put_key_point(session, key_point.code, key_point, actor=actor, now=now)] += 1
    for camera in places.cameras:
        outcomes[put_camera(session, camera.id, camera, actor=actor, now=now)] += 1
    return outcomes
