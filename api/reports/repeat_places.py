"""Repeat places (pure): one violation type at one key point that keeps coming back.

A *problem* is a reviewer-confirmed ticket at its ``raised_at`` (the statuses of
``api.domain.repeats.COUNTED_STATUSES``: pending, rejected and merged tickets are not problems)
or a look-back (回头看) that found the violation back, at its ``checked_at``. A place × type is
a repeat place *at moment t* when ``[t - window, t]`` (both ends included, as in
``api.domain.repeats``) holds ``threshold`` or more of its problems; it is listed for a span
``[start, end]`` when it was one at any moment of the span. The count shown is the most
problems any such window held; the problems listed are all those that could fall in one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class ProblemSource(StrEnum):
    TICKET = "ticket"
    """A confirmed ticket, at its ``raised_at``."""
    LOOK_BACK = "look_back"
    """A look-back that found the violation back, at its ``checked_at``."""


@dataclass(frozen=True)
class Problem:
    ticket: str
    """``T-n``."""
    key_point: str
    """The key point's code."""
    type: str
    """Violation code."""
    at_utc: datetime
    source: ProblemSource = ProblemSource.TICKET


@dataclass(frozen=True)
class RepeatPlace:
    key_point: str
    type: str
    count: int
    """The most problems one window held."""
    problems: tuple[Problem, ...]
    """Oldest first."""

    @property
    def tickets(self) -> tuple[str, ...]:
        """The distinct tickets behind the problems, in order of first appearance."""
        return tuple(dict.fromkeys(problem.ticket for problem in self.problems))


def _most_in_window(
    times: list[datetime], window: timedelta, start: datetime, end: datetime
) -> int:
    """The most of ``times`` (sorted) in ``[t - window, t]`` for any ``t`` in ``[start, end]``.

    The count only rises at a problem's time, so the moments worth trying are ``start`` and
    the problem times inside the span."""
    moments = [start, *(at for at in times if start <= at <= end)]
    return max(sum(1 for at in times if moment - window <= at <= moment) for moment in moments)


def repeat_places(
    problems: Iterable[Problem],
    *,
    threshold: int,
    window: timedelta,
    start: datetime,
    end: datetime,
) -> list[RepeatPlace]:
    """The places that were repeat places at some moment of ``[start, end]`` (``start ==
    end`` asks about one moment, e.g. now), most problems first, then by key point and type."""
    if end < start:
        raise ValueError(f"end {end.isoformat()} is before start {start.isoformat()}")
    by_place: dict[tuple[str, str], list[Problem]] = defaultdict(list)
    for problem in problems:
        if start - window <= problem.at_utc <= end:
            by_place[(problem.key_point, problem.type)].append(problem)
    places = []
    for (key_point, kind), found in by_place.items():
        found.sort(key=lambda problem: (problem.at_utc, problem.ticket, problem.source))
        count = _most_in_window([p.at_utc for p in found], window, start, end)
        if count >= threshold:
            places.append(RepeatPlace(key_point, kind, count, tuple(found)))
    places.sort(key=lambda place: (-place.count, place.key_point, place.type))
    return places


def look_back_problems(ticket: str, key_point: str, kind: str, state: object) -> list[Problem]:
    """The look-backs with outcome ``back`` in a ticket's stored state (``state["look_backs"]``:
    ``[{"round", "checked_at", "outcome", …}]``); anything unreadable is skipped, not fatal,
    since the state is written by another part of the service."""
    entries = state.get("look_backs") if isinstance(state, dict) else None
    found = []
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict) or entry.get("outcome") != "back":
            continue
        checked = entry.get("checked_at")
        if not isinstance(checked, str):
            continue
        try:
            at = datetime.fromisoformat(checked)
        except ValueError:
            continue
        if at.tzinfo is not None:
            found.append(Problem(ticket, key_point, kind, at, ProblemSource.LOOK_BACK))
    return found
