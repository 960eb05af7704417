"""``sightings.json``: what a restarted live camera resumes its open incidents from."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from detector.pipeline.sightings import SAVE_EVERY_S, SightingsFile

T0 = 1_800_000_000.0


def test_saved_sightings_load_back(tmp_path: Path) -> None:
    sightings = SightingsFile(tmp_path / "cam" / "sightings.json")
    sightings.save(T0 + 5, {"cam-clutter-a": T0 + 4.5})
    assert SightingsFile(sightings.path).load() == {"cam-clutter-a": T0 + 4.5}
    saved = json.loads(sightings.path.read_text())
    assert saved == {"clock_s": T0 + 5, "last_seen_s": {"cam-clutter-a": T0 + 4.5}}
    assert [p.name for p in sightings.path.parent.iterdir()] == ["sightings.json"]


@pytest.mark.parametrize(
    "content",
    [
        None,  # a first run
        "{not json",
        '{"clock_s": 1.0}',
        '{"clock_s": 1.0, "last_seen_s": {"a": "yesterday"}}',
        '{"clock_s": 1.0, "last_seen_s": {}, "extra": 1}',
    ],
)
def test_a_missing_or_malformed_file_means_no_sightings(
    tmp_path: Path, content: str | None, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "sightings.json"
    if content is not None:
        path.write_text(content)
    with caplog.at_level(logging.WARNING):
        assert SightingsFile(path).load() == {}
    assert ("malformed" in caplog.text) == (content is not None)


def test_saved_when_the_open_set_changes_or_every_few_seconds(tmp_path: Path) -> None:
    sightings = SightingsFile(tmp_path / "sightings.json")

    def saved_clock_s() -> float:
        return float(json.loads(sightings.path.read_text())["clock_s"])

    sightings.note(T0, {})
    assert saved_clock_s() == T0
    sightings.note(T0 + 1, {})
    assert saved_clock_s() == T0  # nothing new: not rewritten every frame
    sightings.note(T0 + 2, {"a": T0 + 2})
    assert saved_clock_s() == T0 + 2  # a new incident: saved at once
    sightings.note(T0 + 2 + SAVE_EVERY_S - 0.1, {"a": T0 + 11})
    assert saved_clock_s() == T0 + 2
    sightings.note(T0 + 2 + SAVE_EVERY_S, {"a": T0 + 12})
    assert sightings.load() == {"a": T0 + 12}
    sightings.note(T0 + 13, {})
    assert sightings.load() == {}  # it ended: saved at once


def test_a_failed_save_is_logged_and_the_camera_goes_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    with caplog.at_level(logging.WARNING):
        SightingsFile(blocker / "sightings.json").save(T0, {"a": T0})
    assert "not saved" in caplog.text
