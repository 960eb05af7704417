"""The replay guard: after a restart, a recording's states up to the checkpoint stay unsent."""

from __future__ import annotations

from pathlib import Path

from detector.engine.replay import ReplayGuard
from detector.evidence.bundle import Bundle
from detector.incidents.record import IncidentRecord
from tests.factories import make_camera, make_incident


class Sink:
    def __init__(self) -> None:
        self.sent: list[str] = []

    def incident(self, record: IncidentRecord) -> None:
        self.sent.append(f"{record.id}@{record.raised_s}")

    def bundle(self, incident: IncidentRecord, bundle: Bundle) -> None:
        self.sent.append(f"bundle {incident.id}")


def play(guard: ReplayGuard, frames: dict[float, list[IncidentRecord]]) -> None:
    for clock_s, records in frames.items():
        for record in records:
            guard.incident(record)
        guard.frame_done(clock_s)


FRAMES = {
    1.0: [],
    2.0: [make_incident(id="i1", raised_s=2.0)],
    3.0: [],
    4.0: [make_incident(id="i2", raised_s=4.0)],
    5.0: [],
}


def test_a_replay_sends_only_what_lies_after_the_checkpoint(tmp_path: Path) -> None:
    camera = make_camera("street.mp4", started_at="2026-11-27T08:00:00+08:00")
    first_sink = Sink()
    first = ReplayGuard(first_sink, tmp_path, camera)
    assert first.checkpoint_s is None
    play(first, dict(list(FRAMES.items())[:3]))  # dies after the frame at 3 s
    assert first_sink.sent == ["i1@2.0"]

    sink = Sink()
    again = ReplayGuard(sink, tmp_path, camera)
    assert again.checkpoint_s == 2.0
    play(again, FRAMES)
    assert sink.sent == ["i2@4.0"] and again.replayed_frames == 2


def test_another_recording_in_the_folder_starts_afresh(tmp_path: Path) -> None:
    camera = make_camera("street.mp4", started_at="2026-11-27T08:00:00+08:00")
    play(ReplayGuard(Sink(), tmp_path, camera), FRAMES)
    moved = camera.model_copy(update={"source": "other.mp4"})
    sink = Sink()
    play(ReplayGuard(sink, tmp_path, moved), FRAMES)
    assert sink.sent == ["i1@2.0", "i2@4.0"]
