"""The CLI's Rich consoles, made on first use rather than at import time."""

from __future__ import annotations

from functools import cache

from rich.console import Console


@cache
def console() -> Console:
    """Standard output: tables, progress bars, results."""
    return Console()


@cache
def err_console() -> Console:
    """Standard error: one-line errors and logging."""
    return Console(stderr=True)
