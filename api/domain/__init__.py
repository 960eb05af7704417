"""The ticket service's pure domain logic: life cycle, repeat rule, audit chain.

No database, no web framework, no I/O: everything here takes values and returns values (or
raises a ``DomainError``), so it is tested table by table and reused by the API and scripts.
"""

from api.domain.actions import (
    ACTION_NAMES,
    Action,
    Confirm,
    Dispatch,
    Merge,
    Reclassify,
    Rectify,
    Reinspect,
    ReinspectOutcome,
    Reject,
    RejectReason,
    parse_action,
)
from api.domain.audit import (
    GENESIS_HASH,
    AuditEntry,
    AuditProblem,
    AuditRecord,
    canonical_json,
    chain,
    record_hash,
    verify_chain,
)
from api.domain.errors import (
    DomainError,
    StaleTicketError,
    TransitionRefusedError,
    ValidationFailedError,
)
from api.domain.lifecycle import (
    ALLOWED_FROM,
    Rectification,
    Reinspection,
    TicketState,
    TicketStatus,
    allowed_actions,
    apply,
)
from api.domain.repeats import (
    COUNTED_STATUSES,
    REPEAT_THRESHOLD,
    REPEAT_WINDOW,
    NewTicket,
    PastTicket,
    Priority,
    RepeatVerdict,
    assess_repeat,
)
from api.domain.utc import UtcDatetime, require_utc

__all__ = [
    "ACTION_NAMES",
    "ALLOWED_FROM",
    "COUNTED_STATUSES",
    "GENESIS_HASH",
    "REPEAT_THRESHOLD",
    "REPEAT_WINDOW",
    "Action",
    "AuditEntry",
    "AuditProblem",
    "AuditRecord",
    "Confirm",
    "Dispatch",
    "DomainError",
    "Merge",
    "NewTicket",
    "PastTicket",
    "Priority",
    "Reclassify",
    "Rectification",
    "Rectify",
    "Reinspect",
    "ReinspectOutcome",
    "Reinspection",
    "Reject",
    "RejectReason",
    "RepeatVerdict",
    "StaleTicketError",
    "TicketState",
    "TicketStatus",
    "TransitionRefusedError",
    "UtcDatetime",
    "ValidationFailedError",
    "allowed_actions",
    "apply",
    "assess_repeat",
    "canonical_json",
    "chain",
    "parse_action",
    "record_hash",
    "require_utc",
    "verify_chain",
]
