"""CAMERAS.yaml reloads: the diff that decides which actors start, stop and restart."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from detector.engine.reload import CameraDiff, FileWatcher, diff_cameras


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ({}, {"a": 1}, CameraDiff(added=("a",))),
        ({"a": 1}, {}, CameraDiff(removed=("a",))),
        ({"a": 1, "b": 2}, {"a": 1, "b": 3}, CameraDiff(changed=("b",), kept=("a",))),
        (
            {"a": 1, "b": 2, "c": 3},
            {"b": 2, "c": 4, "d": 5},
            CameraDiff(added=("d",), removed=("a",), changed=("c",), kept=("b",)),
        ),
        ({"a": 1}, {"a": 1}, CameraDiff(kept=("a",))),
    ],
)
def test_diff_by_camera_id(old: dict[str, int], new: dict[str, int], expected: CameraDiff) -> None:
    diff = diff_cameras(old, new)
    assert diff == expected
    assert diff.empty == (not (expected.added or expected.removed or expected.changed))


def test_a_change_to_the_file_is_seen_once(tmp_path: Path) -> None:
    path = tmp_path / "cameras.yaml"
    path.write_text("cameras: []\n", encoding="utf-8")
    watcher = FileWatcher(path)
    assert not watcher.changed()
    path.write_text("cameras: [a]\n", encoding="utf-8")
    assert watcher.changed() and not watcher.changed()
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # same size
    assert watcher.changed()
    path.unlink()  # an editor's rename in progress: not a change yet
    assert not watcher.changed()
