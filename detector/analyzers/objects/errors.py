"""Errors of the objects analyzer; every message is one line naming the model file."""

from __future__ import annotations

from detector.errors import StreetOrderError


class ModelError(StreetOrderError):
    """A model file is missing, unreadable, unsafe or not a detector this analyzer can run."""


class UnsafeModelError(ModelError):
    """A checkpoint names code outside the allow-list; nothing in it was executed."""


class DeviceError(ModelError):
    """The configured inference device is absent here, or the model's runtime cannot use it."""


# Lines of third-party messages that say where the error was raised, not what is wrong.
_NOISE = ("Exception from ", "Check '", "Recommended fix")


def one_line(error: BaseException, limit: int = 160) -> str:
    """The informative line of a library's (often multi-line) error message, shortened."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    useful = [line for line in lines if not line.startswith(_NOISE)]
    line = (useful or lines or [type(error).__name__])[0]
    line = line.removeprefix("ERROR ❌️").strip()
    return line if len(line) <= limit else line[: limit - 3] + "..."
