"""What a person can do to a ticket: one frozen model per action, discriminated by ``action``.

The models check what they can on their own (lengths, codes, a note for ``other``); checks
that need the ticket or the clock (a deadline in the future, a merge into itself) live in
``api.domain.lifecycle.apply``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter, model_validator

from api.domain.utc import UtcDatetime

TicketId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
"""A ticket's id as the API hands it out."""

ViolationCode = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z][a-z0-9_]{0,31}$")
]
"""A violation type code from ``datasets/taxonomy.yaml`` (``stall``, ``clutter``…). Only the
shape is checked here: whether the code exists is the taxonomy's business, which is I/O."""

SquadId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
RequiredNote = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)
]
PhotoRef = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=512)]
"""Where a photo lies (object-store key or evidence-bundle path); the domain never opens it."""


class RejectReason(StrEnum):
    FALSE_DETECTION = "false_detection"  # the analyzer was wrong: becomes training data
    PERMITTED_ACTIVITY = "permitted_activity"  # real, but licensed (a permitted market)
    DUPLICATE = "duplicate"  # already ticketed; prefer ``merge`` when the other id is known
    OTHER = "other"  # needs a note, so the reason is never lost


class ReinspectOutcome(StrEnum):
    PASSED = "pass"
    FAILED = "fail"


class LookBackOutcome(StrEnum):
    BACK = "back"  # the violation is there again: the ticket reopens
    CLEAR = "clear"


class _Action(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Confirm(_Action):
    """A reviewer confirms the violation is real."""

    action: Literal["confirm"] = "confirm"
    note: Note = ""


class Reject(_Action):
    """A reviewer rejects the ticket; ``other`` must say why in ``note``."""

    action: Literal["reject"] = "reject"
    reason: RejectReason
    note: Note = ""

    @model_validator(mode="after")
    def _other_needs_note(self) -> Self:
        if self.reason is RejectReason.OTHER and not self.note:
            raise ValueError("reason 'other' needs a note saying why")
        return self


class Dispatch(_Action):
    """Send a confirmed ticket to a squad (中队) to rectify by ``deadline`` (UTC)."""

    action: Literal["dispatch"] = "dispatch"
    squad: SquadId
    deadline: UtcDatetime
    note: Note = ""


class Rectify(_Action):
    """The squad reports the place put right, with a photo."""

    action: Literal["rectify"] = "rectify"
    photo_ref: PhotoRef
    note: RequiredNote


class Reinspect(_Action):
    """The same camera looks back (回头看): ``pass`` closes the ticket, ``fail`` sends it back
    to the squad, optionally with a new ``deadline`` (the old one has usually passed)."""

    action: Literal["reinspect"] = "reinspect"
    outcome: ReinspectOutcome
    photo_ref: PhotoRef | None = None
    note: Note = ""
    deadline: UtcDatetime | None = None

    @model_validator(mode="after")
    def _deadline_only_on_fail(self) -> Self:
        if self.deadline is not None and self.outcome is ReinspectOutcome.PASSED:
            raise ValueError("a new deadline only goes with outcome 'fail'")
        return self


class LookBack(_Action):
    """One round of the plan's look-back (回头看) after a rectification: ``back`` reopens the
    ticket with ``deadline``, ``clear`` closes a rectified ticket. The service fills ``due_at``
    and ``deadline`` from the plan (``api.plan.lookback``)."""

    action: Literal["look_back"] = "look_back"
    round: int = Field(ge=1, le=5)
    outcome: LookBackOutcome
    checked_at: UtcDatetime
    due_at: UtcDatetime
    deadline: UtcDatetime | None = None
    note: Note = ""

    @model_validator(mode="after")
    def _deadline_only_when_back(self) -> Self:
        if (self.deadline is None) is (self.outcome is LookBackOutcome.BACK):
            raise ValueError("a deadline goes with outcome 'back' and only with it")
        return self


class Reclassify(_Action):
    """Correct the violation type (the analyzer saw a stall, it is out-of-store business)."""

    action: Literal["reclassify"] = "reclassify"
    violation_type: ViolationCode
    note: Note = ""


class Merge(_Action):
    """Fold this ticket into another one about the same violation."""

    action: Literal["merge"] = "merge"
    into: TicketId
    note: Note = ""


Action = Annotated[
    Confirm | Reject | Dispatch | Rectify | Reinspect | LookBack | Reclassify | Merge,
    Field(discriminator="action"),
]
"""Any action; pydantic picks the class from the ``action`` field."""

ACTION_NAMES: tuple[str, ...] = (
    "confirm",
    "reject",
    "dispatch",
    "rectify",
    "reinspect",
    "look_back",
    "reclassify",
    "merge",
)
"""Every action name, in the order ``allowed_actions`` lists them."""

_ACTION_ADAPTER: TypeAdapter[Action] = TypeAdapter(Action)


def parse_action(data: Any) -> Action:
    """Validate a JSON-like dict (``{"action": "reject", "reason": …}``) into its action model;
    raises ``pydantic.ValidationError`` (the API's 422) when it does not fit."""
    return _ACTION_ADAPTER.validate_python(data)
