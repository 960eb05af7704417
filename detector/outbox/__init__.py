"""The detector's durable outbox to the ticket service: spool on disk, then send with retry."""

from detector.outbox.client import Answer, Outcome, ServiceClient, bundle_archive, classify
from detector.outbox.config import OutboxConfig
from detector.outbox.errors import OutboxError
from detector.outbox.messages import (
    BundleRef,
    MessageKind,
    MessageState,
    OutboxCounts,
    OutboxMessage,
)
from detector.outbox.outbox import SPOOL_NAME, Outbox
from detector.outbox.sender import Clock, OutboxSender, SystemClock
from detector.outbox.spool import OutboxSpool

__all__ = [
    "SPOOL_NAME",
    "Answer",
    "BundleRef",
    "Clock",
    "MessageKind",
    "MessageState",
    "Outbox",
    "OutboxConfig",
    "OutboxCounts",
    "OutboxError",
    "OutboxMessage",
    "OutboxSender",
    "OutboxSpool",
    "Outcome",
    "ServiceClient",
    "SystemClock",
    "bundle_archive",
    "classify",
]
