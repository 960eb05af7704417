from __future__ import annotations

from pathlib import Path

import pytest

from detector.sources.factory import create_source
from detector.sources.frames import EncodedPacket, Frame
from detector.sources.health import CameraState, HealthBoard
from tests.factories import make_camera


def read_all(source: Path, mode: str, rate_fps: float = 1.0, **kwargs: object) -> list[Frame]:
    camera = make_camera(source, sampling={"mode": mode, "rate_fps": rate_fps})
    return list(create_source(camera, **kwargs).frames())  # type: ignore[arg-type]


# 10 s at 25 fps, key frame every 2 s.
@pytest.mark.parametrize("clip", ["h264_mp4", "h264_ts", "mpeg4_avi"])
@pytest.mark.parametrize(
    ("mode", "rate_fps", "count", "first_times", "first_indexes"),
    [
        ("all", 1.0, 250, [0.0, 0.04, 0.08], [0, 1, 2]),
        ("rate", 1.0, 10, [0.0, 1.0, 2.0], [0, 25, 50]),
        ("rate", 5.0, 50, [0.0, 0.2, 0.4], [0, 5, 10]),
        ("keyframes", 1.0, 5, [0.0, 2.0, 4.0], [0, 50, 100]),
    ],
)
def test_generated_clip_frames_per_mode(
    clips: dict[str, Path],
    clip: str,
    mode: str,
    rate_fps: float,
    count: int,
    first_times: list[float],
    first_indexes: list[int],
) -> None:
    frames = read_all(clips[clip], mode, rate_fps)
    assert len(frames) == count
    assert [f.media_time_s for f in frames[:3]] == pytest.approx(first_times, abs=1e-3)
    assert [f.index for f in frames[:3]] == first_indexes
    assert all(f.captured_at is None for f in frames)  # files carry media time only
    assert frames[0].image_bgr is not None
    assert frames[0].image_bgr.shape == (240, 320, 3)
    if mode == "keyframes":
        assert all(f.is_keyframe for f in frames)


@pytest.mark.parametrize(
    ("name", "mode", "count", "last_time_s"),
    [
        ("highway_traffic.mp4", "all", 1700, 1699 / 30),
        ("highway_traffic.mp4", "rate", 57, 56.0),
        ("highway_traffic.mp4", "keyframes", 29, 56.0),
        ("motorway_osd.avi", "rate", 30, 29.04),
        ("motorway_osd.avi", "keyframes", 3, 30.0),
    ],
)
def test_real_clip_frames_per_mode(
    shared_clip: Path, name: str, mode: str, count: int, last_time_s: float
) -> None:
    frames = read_all(shared_clip / name, mode)
    assert len(frames) == count
    times = [f.media_time_s for f in frames]
    assert times == sorted(times)
    assert times[-1] == pytest.approx(last_time_s, abs=0.05)


def test_timestamps_only_when_images_are_not_needed(clips: dict[str, Path]) -> None:
    frames = read_all(clips["h264_mp4"], "rate", want_images=False)
    assert len(frames) == 10
    assert all(f.image_bgr is None for f in frames)


def test_every_packet_reaches_the_sink_in_every_mode(clips: dict[str, Path]) -> None:
    for mode in ("all", "rate", "keyframes"):
        packets: list[EncodedPacket] = []
        read_all(clips["h264_mp4"], mode, packet_sink=packets.append)
        assert len(packets) == 250
        assert sum(p.is_keyframe for p in packets) == 5
        assert packets[0].is_keyframe


def test_image_folder_at_given_rate(tmp_path: Path) -> None:
    import cv2

    from tests.factories import moving_bar_frames

    for i, image in enumerate(moving_bar_frames(3.0, 4)):
        cv2.imwrite(str(tmp_path / f"shot_{i:03d}.jpg"), image)
    camera = make_camera(tmp_path, images_fps=4.0, sampling={"mode": "all"})
    frames = list(create_source(camera).frames())
    assert len(frames) == 12
    assert [f.media_time_s for f in frames[:3]] == pytest.approx([0.0, 0.25, 0.5])
    rate_camera = make_camera(tmp_path, images_fps=4.0, sampling={"mode": "rate", "rate_fps": 1})
    assert len(list(create_source(rate_camera).frames())) == 3


def test_health_of_a_file_goes_online_then_finished(clips: dict[str, Path]) -> None:
    board = HealthBoard()
    camera = make_camera(clips["h264_mp4"])
    for _ in create_source(camera, health=board).frames():
        assert board.get("cam-test") is not None
        assert board.get("cam-test").state is CameraState.ONLINE  # type: ignore[union-attr]
    health = board.get("cam-test")
    assert health is not None
    assert health.state is CameraState.FINISHED
    assert health.frames == 10
