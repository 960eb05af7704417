"""Domain errors of the ticket service; every message is one line.

They derive from ``detector.errors.StreetOrderError`` so the whole project has one base for
user-fixable problems. The API maps them to HTTP: ``TransitionRefusedError`` → 409,
``ValidationFailedError`` → 422.
"""

from __future__ import annotations

from collections.abc import Sequence

from detector.errors import StreetOrderError


class DomainError(StreetOrderError):
    """Base of the ticket domain's errors."""


class ValidationFailedError(DomainError):
    """An action is well-formed but not valid for this ticket now (a deadline already past,
    a merge into the ticket itself, a reclassification to the type it already has)."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


class TransitionRefusedError(DomainError):
    """The action is not allowed from the ticket's current status."""

    def __init__(self, ticket_id: str, status: str, action: str, allowed: Sequence[str]) -> None:
        listed = ", ".join(allowed) if allowed else "none (final status)"
        super().__init__(
            f"ticket {ticket_id} is {status}: cannot {action}; allowed actions: {listed}"
        )
        self.ticket_id = ticket_id
        self.status = status
        self.action = action
        self.allowed = tuple(allowed)


class StaleTicketError(DomainError):
    """The ticket changed since the caller last read it; acting now would overrule a decision
    the caller has not seen (HTTP 409)."""

    def __init__(self, ticket_id: str, expected: int, current: int, by: str | None) -> None:
        who = f" by {by}" if by else ""
        super().__init__(
            f"ticket {ticket_id} changed meanwhile{who} (version {current}, you saw {expected}): "
            "reload it before deciding"
        )
        self.ticket_id = ticket_id
        self.current = current
