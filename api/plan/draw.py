"""Double random, one public (双随机、一公开): which key points are inspected this period, by whom.

The draw is reproducible by anyone holding the seed, the period and the same lists, on any
machine and Python version, because it uses nothing but SHA-256 over UTF-8 text
(procedure ``PROCEDURE``):

1. The inputs are sorted: key points by code, supervisors by username. Their order as read
   never matters.
2. Each key point gets the rank ``sha256("{seed}|{period}|{code}")`` (hex); the ``N`` key
   points with the lowest ranks are drawn (all of them when there are fewer than ``N``),
   in rank order.
3. For each drawn key point, every supervisor gets the score
   ``sha256("{seed}|{period}|{code}|{username}")``; the lowest score inspects it.

Ties (equal hashes) fall back to the code or username, so the order is total. The inputs hash
is SHA-256 over the canonical JSON ``{"key_points": [codes...], "supervisors": [names...]}``
(both sorted), published with the draw so that anyone can check they hold the same lists.
Python's ``random`` (whose algorithms differ between versions) and set or dict iteration order
are never used.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.db.models import Camera, KeyPoint, User
from api.domain import AuditEntry
from api.domain.audit import AuditRecord, canonical_json
from api.security.users import Role
from api.services import audit_log
from detector.errors import StreetOrderError

PROCEDURE = "sha256-rank-v1"
"""Names the procedure in the module docstring; change it with any change of the algorithm."""

PERIOD_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])$"
SEED_PATTERN = r"^[^|\s]([^|]*[^|\s])?$"


class DrawError(StreetOrderError):
    """A draw that cannot be made (no supervisors, no key points, a bad period or seed)."""


class KeyPointEntry(BaseModel):
    """One registered key point as the draw sees it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str = Field(min_length=1, max_length=64, description="The key point's code.")
    name: str = Field(max_length=200, description="Its display name.")
    category: str = Field(max_length=32, description="Its key-point category code.")
    cameras: tuple[str, ...] = Field(
        default=(), max_length=1000, description="IDs of the cameras watching it, sorted."
    )


class DrawInputs(BaseModel):
    """What is drawn from: key points and supervisors' usernames, in any order."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key_points: tuple[KeyPointEntry, ...] = Field(
        max_length=100_000, description="Registered key points with their cameras."
    )
    supervisors: tuple[str, ...] = Field(
        max_length=10_000, description="Usernames of the users with role supervisor."
    )


class Pick(BaseModel):
    """A drawn key point and the supervisor drawn to inspect it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key_point: str = Field(min_length=1, max_length=64, description="Key point code.")
    name: str = Field(max_length=200, description="Key point name.")
    category: str = Field(max_length=32, description="Key-point category code.")
    cameras: tuple[str, ...] = Field(max_length=1000, description="Its cameras, sorted.")
    inspector: str = Field(min_length=1, max_length=64, description="Supervisor's username.")


class Draw(BaseModel):
    """A published draw: enough to reproduce and check it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    period: str = Field(pattern=PERIOD_PATTERN, description="Month (Asia/Shanghai), YYYY-MM.")
    seed: str = Field(
        min_length=1, max_length=128, pattern=SEED_PATTERN, description="The public seed."
    )
    key_points_requested: int = Field(ge=1, le=100_000, description="N asked for.")
    inputs_sha256: str = Field(
        pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the sorted codes and usernames."
    )
    procedure: str = Field(min_length=1, max_length=64, description="Procedure version.")
    picks: tuple[Pick, ...] = Field(max_length=100_000, description="In draw order.")


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def inputs_hash(inputs: DrawInputs) -> str:
    """SHA-256 (hex) over the sorted key point codes and supervisor usernames."""
    payload = {
        "key_points": sorted(entry.code for entry in inputs.key_points),
        "supervisors": sorted(inputs.supervisors),
    }
    return hashlib.sha256(canonical_json(payload)).hexdigest()


def _check(period: str, seed: str, key_points: int | None) -> None:
    if re.fullmatch(PERIOD_PATTERN, period) is None:
        raise DrawError(f"--period: expected a month YYYY-MM (got {period!r})")
    if not 1 <= len(seed) <= 128 or re.fullmatch(SEED_PATTERN, seed) is None:
        raise DrawError(
            f"--seed: 1 to 128 characters, no '|', no leading or trailing space (got {seed!r})"
        )
    if key_points is not None and not 1 <= key_points <= 100_000:
        raise DrawError(f"--key-points: expected 1 to 100000 (got {key_points})")


def draw(inputs: DrawInputs, *, period: str, seed: str, key_points: int | None = None) -> Draw:
    """Draw ``key_points`` key points (all when ``None`` or more than there are) and an
    inspector for each, by the procedure in the module docstring."""
    entries = sorted(inputs.key_points, key=lambda entry: entry.code)
    supervisors = sorted(inputs.supervisors)
    _check(period, seed, key_points)
    if not supervisors:
        raise DrawError("no supervisors to draw from: add users with role supervisor")
    if not entries:
        raise DrawError("no key points to draw from: register them with `streetorder places`")
    codes = [entry.code for entry in entries]
    if len(set(codes)) != len(codes):
        raise DrawError("key point codes must be unique")
    if len(set(supervisors)) != len(supervisors):
        raise DrawError("supervisor usernames must be unique")
    ranked = sorted(
        entries, key=lambda entry: (_sha256(f"{seed}|{period}|{entry.code}"), entry.code)
    )
    picks: list[Pick] = []
    wanted = len(entries) if key_points is None else key_points
    for entry in ranked[:wanted]:
        scores = [(_sha256(f"{seed}|{period}|{entry.code}|{name}"), name) for name in supervisors]
        inspector = min(scores)[1]
        picks.append(
            Pick(
                key_point=entry.code,
                name=entry.name,
                category=entry.category,
                cameras=tuple(sorted(entry.cameras)),
                inspector=inspector,
            )
        )
    return Draw(
        period=period,
        seed=seed,
        key_points_requested=wanted,
        inputs_sha256=inputs_hash(inputs),
        procedure=PROCEDURE,
        picks=tuple(picks),
    )


def reproduce(published: Draw, inputs: DrawInputs) -> bool:
    """Whether drawing again from ``inputs`` with the published seed and period gives exactly
    the published draw (an unknown procedure version never matches)."""
    if published.procedure != PROCEDURE:
        return False
    try:
        again = draw(
            inputs,
            period=published.period,
            seed=published.seed,
            key_points=published.key_points_requested,
        )
    except DrawError:
        return False
    return again == published


def load_inputs(session: Session) -> DrawInputs:
    """The registered key points (with their cameras) and supervisors, from the database."""
    cameras: dict[int, list[str]] = {}
    for camera_id, key_point_id in session.execute(select(Camera.id, Camera.key_point_id)):
        cameras.setdefault(key_point_id, []).append(camera_id)
    key_points = tuple(
        KeyPointEntry(
            code=row.code,
            name=row.name,
            category=row.category,
            cameras=tuple(sorted(cameras.get(row.id, []))),
        )
        for row in session.scalars(select(KeyPoint).order_by(KeyPoint.code))
    )
    supervisors = tuple(
        session.scalars(
            select(User.username).where(User.role == Role.SUPERVISOR.value).order_by(User.username)
        )
    )
    return DrawInputs(key_points=key_points, supervisors=supervisors)


def record_draw(session: Session, published: Draw, *, actor: str, now: datetime) -> AuditRecord:
    """Append the draw to the audit chain (entity ``draw``, id = period). A second draw for the
    same period is a ``redraw`` whose ``before`` is the previous draw, so it cannot pass
    unnoticed."""
    earlier: Sequence[AuditRecord] = audit_log.records_of(session, "draw", published.period)
    entry = AuditEntry(
        at=now,
        actor=actor,
        action="redraw" if earlier else "draw",
        entity="draw",
        entity_id=published.period,
        before=earlier[-1].after if earlier else None,
        after=published.model_dump(mode="json"),
    )
    return audit_log.append(session, entry)
