"""Every unusable input gives one line naming the camera and the cause, never a traceback."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from detector.errors import SourceError
from detector.sources.factory import create_source
from detector.sources.health import CameraState, HealthBoard
from tests.factories import make_camera, make_clip


def read_error(source: Path | str, **camera: object) -> str:
    board = HealthBoard()
    with pytest.raises(SourceError) as caught:
        list(create_source(make_camera(source, **camera), health=board).frames())
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("camera cam-test: ")
    return message


def truncated_copy(source: Path, target: Path, fraction: float) -> Path:
    data = source.read_bytes()
    target.write_bytes(data[: int(len(data) * fraction)])
    return target


def test_missing_file(tmp_path: Path) -> None:
    assert "video file not found" in read_error(tmp_path / "nope.mp4")


def test_zero_length_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.mp4"
    empty.touch()
    assert "video file is empty (0 bytes)" in read_error(empty)


def test_random_bytes(tmp_path: Path) -> None:
    noise = tmp_path / "noise.mp4"
    noise.write_bytes(os.urandom(200_000))
    message = read_error(noise)
    assert "noise.mp4" in message
    assert "not a readable video file" in message or "no video stream" in message


def test_text_file_with_a_video_extension(tmp_path: Path) -> None:
    fake = tmp_path / "clip.mp4"
    fake.write_text("this is not a video\n" * 200)
    assert "not a readable video file" in read_error(fake)


def test_text_file_that_ffmpeg_would_play_as_ansi_art(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("hello\n" * 100)
    assert "not a video file (FFmpeg reads it as tty/ansi" in read_error(notes)


def test_still_image_named_like_a_video(tmp_path: Path) -> None:
    import cv2
    import numpy as np

    still = tmp_path / "camera.avi"
    ok, encoded = cv2.imencode(".jpg", np.zeros((64, 64, 3), np.uint8))
    assert ok
    still.write_bytes(encoded.tobytes())
    assert "still image belongs in an image folder" in read_error(still)


def test_video_with_the_wrong_extension_still_plays(clips: dict[str, Path], tmp_path: Path) -> None:
    renamed = shutil.copy(clips["h264_mp4"], tmp_path / "really_mp4.avi")
    assert len(list(create_source(make_camera(renamed)).frames())) == 10


@pytest.mark.parametrize(
    ("suffix", "codec"),
    [(".mp4", "libx264"), (".avi", "mpeg4")],
)
def test_truncated_file(tmp_path: Path, suffix: str, codec: str) -> None:
    whole = make_clip(tmp_path / f"whole{suffix}", codec=codec, gop_frames=50)
    cut = truncated_copy(whole, tmp_path / f"cut{suffix}", 0.5)
    message = read_error(cut)
    assert "cut" + suffix in message
    assert "truncated" in message or "not a readable video file" in message


def test_truncated_faststart_mp4_reports_where_the_data_ends(tmp_path: Path) -> None:
    import av

    whole = make_clip(tmp_path / "whole.mp4", gop_frames=50)
    faststart = tmp_path / "faststart.mp4"
    with (
        av.open(str(whole)) as src,
        av.open(str(faststart), "w", options={"movflags": "+faststart"}) as dst,
    ):
        out = dst.add_stream_from_template(src.streams.video[0])
        for packet in src.demux(src.streams.video[0]):
            if packet.size:
                packet.stream = out
                dst.mux(packet)
    cut = truncated_copy(faststart, tmp_path / "cut.mp4", 0.5)
    frames: list[object] = []
    with pytest.raises(SourceError, match=r"truncated: its header declares 250 frames") as caught:
        for frame in create_source(make_camera(cut)).frames():
            frames.append(frame)
    assert frames, "frames before the cut are delivered before the error"
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("ftp://cam.example/stream", "unsupported URL scheme 'ftp'"),
        ("file:///tmp/x.mp4", "unsupported URL scheme 'file'"),
        ("rtsp:///nohost", "stream URL has no host"),
    ],
)
def test_unsupported_or_malformed_urls(source: str, expected: str) -> None:
    assert expected in read_error(source)


def test_stream_that_never_opens_gives_up_when_told_to() -> None:
    board = HealthBoard()
    camera = make_camera(
        "http://127.0.0.1:9/never.ts",  # the discard port: nothing listens there
        live={"max_connect_attempts": 2, "backoff_initial_s": 0.05, "open_timeout_s": 2},
    )
    with pytest.raises(SourceError, match="gave up after 2 failed attempts: stream did not open"):
        list(create_source(camera, health=board).frames())
    health = board.get("cam-test")
    assert health is not None
    assert health.state is CameraState.OFFLINE
    assert health.last_error is not None
    assert "127.0.0.1:9" in health.last_error


def test_image_folder_problems(tmp_path: Path) -> None:
    assert "image folder has no" in read_error(tmp_path)
    (tmp_path / "a.jpg").write_bytes(b"x")
    (tmp_path / "b.png").write_bytes(b"x")
    assert "mixes image types" in read_error(tmp_path)
