"""``sightings.json``: when a live camera last saw each incident it has open.

A restarted camera resumes its open incidents from these times, not from its first frame: an
incident whose thing was gone for ``clear_s`` before the restart ends at its true last
sighting instead of at the restart, and is never continued by a new thing at the same spot.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, FiniteFloat, ValidationError

log = logging.getLogger(__name__)

SAVE_EVERY_S = 10.0
"""Frame-clock seconds between saves while the open set stays the same. Saving every frame
would rewrite a file per camera 10-25 times a second; a camera that dies loses at most this
much of its sighting history, so a resumed incident may end this much early: small next to
``clear_s`` (a minute by default)."""


class _Sightings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    clock_s: FiniteFloat = Field(description="Clock of the last frame processed (Unix seconds).")
    last_seen_s: dict[str, FiniteFloat] = Field(
        description="Open incident id → clock when its evidence was last observed."
    )


class SightingsFile:
    """Loads and saves one camera's last sightings; ``note`` saves only when it is due.

    The file is replaced atomically (write a temporary file, then rename): a camera killed
    mid-write leaves the previous version, never half a file.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._saved_clock_s: float | None = None
        self._saved_ids: frozenset[str] = frozenset()

    def load(self) -> dict[str, float]:
        """The saved last sightings; none when the file is missing or unreadable (a warning:
        resuming then falls back to each incident's raise time)."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except (OSError, UnicodeDecodeError) as exc:
            log.warning("%s unreadable, last sightings unknown: %s", self.path, exc)
            return {}
        try:
            return dict(_Sightings.model_validate_json(text).last_seen_s)
        except ValidationError as exc:
            log.warning(
                "%s malformed (%d error(s)), last sightings unknown", self.path, exc.error_count()
            )
            return {}

    def note(self, clock_s: float, last_seen_s: Mapping[str, float]) -> None:
        """Save when the set of open incidents changed or ``SAVE_EVERY_S`` have passed."""
        since_s = None if self._saved_clock_s is None else clock_s - self._saved_clock_s
        # A clock that stepped back counts as due: waiting for it to catch up could be long.
        due = since_s is None or not 0.0 <= since_s < SAVE_EVERY_S
        if due or frozenset(last_seen_s) != self._saved_ids:
            self.save(clock_s, last_seen_s)

    def save(self, clock_s: float, last_seen_s: Mapping[str, float]) -> None:
        """Write the file now; a failure is logged, never raised: the camera goes on."""
        self._saved_clock_s = clock_s
        self._saved_ids = frozenset(last_seen_s)
        document = _Sightings(clock_s=clock_s, last_seen_s=dict(last_seen_s))
        partial = self.path.with_name(f".{self.path.name}.partial")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            partial.write_text(document.model_dump_json(), encoding="utf-8")
            partial.replace(self.path)
        except OSError as exc:
            log.warning("%s not saved: %s", self.path, exc)
