"""What the outbox spools: an incident's latest state, or its evidence bundle, per message."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field


class MessageKind(StrEnum):
    INCIDENT = "incident"
    """``payload`` is the ``IncidentRecord`` as JSON, sent as it is."""
    BUNDLE = "bundle"
    """``payload`` is a ``BundleRef`` as JSON; the folder is packed when it is sent."""


class MessageState(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    """The service answered 2xx."""
    DEAD = "dead"
    """Refused for good (invalid, too large, a different bundle stored, folder gone): kept with
    its reason, never retried automatically."""


class BundleRef(BaseModel):
    """Where a written bundle lies and the manifest hash it had when it was written."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    path: Path = Field(description="Absolute path of the bundle folder.")
    manifest_sha256: str = Field(
        pattern=r"^[0-9a-f]{64}$", description="The manifest hash recorded when it was written."
    )


@dataclass(frozen=True)
class OutboxMessage:
    """One row of the spool. Datetimes are UTC-aware."""

    seq: int
    """Position in the spool: messages go out in this order."""
    kind: MessageKind
    incident_id: str
    payload: str
    state: MessageState
    version: int
    """Bumped whenever a newer state replaces the payload of a pending message, so a send of
    the older state never marks the newer one sent."""
    attempts: int
    next_attempt_at: datetime
    last_error: str | None


@dataclass(frozen=True)
class OutboxCounts:
    """What the watch table shows about the outbox. Datetimes are UTC-aware."""

    pending: int = 0
    sent: int = 0
    dead: int = 0
    last_error: str | None = None
    """The most recent failure, whether that message was delivered since or not."""
    last_error_at: datetime | None = None
    next_attempt_at: datetime | None = None
    """When the sender tries next; None when nothing is pending."""
