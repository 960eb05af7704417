from __future__ import annotations

from pathlib import Path

import pytest

from detector.evidence.clip import ClipMethod, decodes_alone, write_clip
from detector.evidence.ring_buffer import PacketRingBuffer
from tests.detector.evidence.mp4probe import probe_clip
from tests.factories import read_packets

PRE_ROLL_S = 10.0
POST_ROLL_S = 10.0


def cut(source: Path, moment_s: float, out: Path) -> tuple[object, Path]:
    buffer = PacketRingBuffer(60.0)
    for packet in read_packets(source):
        buffer.push(packet)
    packets = buffer.window(
        0, moment_s - PRE_ROLL_S, moment_s + POST_ROLL_S, start_ok=decodes_alone
    )
    return write_clip(packets, out), out


@pytest.mark.parametrize(
    ("clip", "method"),
    [
        ("h264_40s", ClipMethod.REMUX),
        ("mpeg4_40s", ClipMethod.TRANSCODE),
    ],
)
def test_clip_starts_on_a_key_frame_and_covers_pre_and_post_roll(
    clips: dict[str, Path], tmp_path: Path, clip: str, method: ClipMethod
) -> None:
    info, path = cut(clips[clip], 21.3, tmp_path / "clip.mp4")
    assert info.method is method  # type: ignore[attr-defined]
    # Key frames every 2 s: the one at or before 11.3 s is at 10 s.
    assert info.start_media_s == pytest.approx(10.0)  # type: ignore[attr-defined]
    probe = probe_clip(path)
    assert probe.first_is_key
    assert probe.times_s[0] == pytest.approx(0.0)  # the key frame opens the clip at 0 s
    assert probe.first_frame_std > 5  # a real picture, not a flat grey frame
    assert probe.duration_s >= PRE_ROLL_S + POST_ROLL_S + (11.3 - 10.0) - 0.05
    assert probe.codec == "h264"
    assert probe.pix_fmt == "yuv420p"
    assert probe.index_at_front


def test_real_h264_clip_is_remuxed(shared_clip: Path, tmp_path: Path) -> None:
    info, path = cut(shared_clip / "highway_traffic.mp4", 30.0, tmp_path / "clip.mp4")
    assert info.method is ClipMethod.REMUX  # type: ignore[attr-defined]
    probe = probe_clip(path)
    assert probe.first_is_key
    assert probe.duration_s >= 20.0 - 0.05
    assert probe.index_at_front


def test_motorway_mpeg4_becomes_browser_playable_h264(shared_clip: Path, tmp_path: Path) -> None:
    info, path = cut(shared_clip / "motorway_osd.avi", 15.0, tmp_path / "clip.mp4")
    assert info.method is ClipMethod.TRANSCODE  # type: ignore[attr-defined]
    assert info.source_codec == "mpeg4"  # type: ignore[attr-defined]
    probe = probe_clip(path)
    assert (probe.codec, probe.pix_fmt) == ("h264", "yuv420p")
    assert probe.index_at_front
    assert probe.first_is_key
    assert probe.first_frame_std > 5
    # Its key frames sit near 0 s and at 12.1 s: the clip starts near 0 and runs past 25 s.
    assert 0.0 <= info.start_media_s <= 15.0 - PRE_ROLL_S  # type: ignore[attr-defined]
    assert probe.duration_s >= 25.0 - info.start_media_s - 0.1  # type: ignore[attr-defined]
    assert probe.times_s == sorted(probe.times_s)
