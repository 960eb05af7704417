"""CAMERAS.yaml reloads: which cameras to start, stop and restart, and when the file changed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class CameraDiff:
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    kept: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


def diff_cameras(old: Mapping[str, object], new: Mapping[str, object]) -> CameraDiff:
    """Compare two camera sets by id; a camera whose settings differ in any way is changed."""
    return CameraDiff(
        added=tuple(sorted(new.keys() - old.keys())),
        removed=tuple(sorted(old.keys() - new.keys())),
        changed=tuple(sorted(k for k in old.keys() & new.keys() if old[k] != new[k])),
        kept=tuple(sorted(k for k in old.keys() & new.keys() if old[k] == new[k])),
    )


class FileWatcher:
    """``changed()`` is True once per modification of the file (mtime and size)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._seen = self._stamp()

    def _stamp(self) -> tuple[int, int] | None:
        try:
            stat = self.path.stat()
        except OSError:
            return None  # mid-rename by an editor: look again at the next poll
        return stat.st_mtime_ns, stat.st_size

    def changed(self) -> bool:
        stamp = self._stamp()
        if stamp is None or stamp == self._seen:
            return False
        self._seen = stamp
        return True
