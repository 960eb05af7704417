"""Inputs and situations that once broke ingest: odd folders, clock jumps, credentials."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from detector.errors import SourceError
from detector.sources import demux
from detector.sources.factory import create_source
from detector.sources.health import CameraState, HealthBoard
from detector.sources.locator import locate, redact
from tests.factories import make_camera, moving_bar_frames


@pytest.mark.parametrize("suffix", [".png", ".bmp", ".jpg"])
@pytest.mark.parametrize("folder_name", ["plain", "cam[1]", "50% off", "a*b?"])
def test_image_folders_of_every_kind_and_name(
    tmp_path: Path, suffix: str, folder_name: str
) -> None:
    folder = tmp_path / folder_name
    folder.mkdir()
    for i, image in enumerate(moving_bar_frames(1.0, 4, 64, 48)):
        cv2.imwrite(str(folder / f"img_{i:02d}{suffix}"), image)
    camera = make_camera(folder, images_fps=4.0, sampling={"mode": "all"})
    packets: list[object] = []
    frames = list(create_source(camera, packet_sink=packets.append).frames())
    assert len(frames) == 4
    assert len(packets) == 4


def write_with_jump(path: Path, jump_s: float) -> None:
    """25 fps, 4 s, then the encoder's clock jumps by ``jump_s`` and runs 4 s more."""
    with av.open(str(path), "w", format="mpegts") as output:
        stream = output.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        stream.codec_context.options = {"bf": "0", "g": "25"}
        for i, image in enumerate(moving_bar_frames(8.0, 25, 64, 48)):
            frame = av.VideoFrame.from_ndarray(image, format="bgr24")
            frame.pts = i if i < 100 else i + round(jump_s * 25)
            output.mux(stream.encode(frame))
        output.mux(stream.encode(None))


@pytest.mark.parametrize("jump_s", [60.0, 3600.0])
def test_a_clock_jump_starts_a_new_epoch(tmp_path: Path, jump_s: float) -> None:
    clip = tmp_path / "jump.ts"
    write_with_jump(clip, jump_s)
    camera = make_camera(clip, sampling={"mode": "rate", "rate_fps": 1})
    frames = list(create_source(camera).frames())
    epochs = {f.epoch for f in frames}
    assert epochs == {0, 1}
    second = [f for f in frames if f.epoch == 1]
    assert second[0].media_time_s == pytest.approx(0.0, abs=0.05)
    assert max(f.media_time_s for f in frames) < 10.0


def test_live_wall_clock_never_goes_backwards(monkeypatch: pytest.MonkeyPatch) -> None:
    start = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
    now = [start]
    monkeypatch.setattr(demux, "utc_now", lambda: now[0])
    clock = demux.WallClockAnchor()
    # A burst after connecting: 3 s of media arrives in 0.1 s, then frames arrive in real time.
    stamps = [clock.at(t / 10) for t in range(31)]
    now[0] = start + timedelta(seconds=0.1)
    stamps += [clock.at(3.1 + t / 10) for t in range(5)]
    assert stamps == sorted(stamps)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("rtsp://admin:s3cret@10.0.0.5:554/live", "rtsp://admin:***@10.0.0.5:554/live"),
        ("rtsp://10.0.0.5/live", "rtsp://10.0.0.5/live"),
        ("http://user:p%40ss@cam.local/x.ts", "http://user:***@cam.local/x.ts"),
    ],
)
def test_stream_passwords_never_reach_messages(url: str, shown: str) -> None:
    assert redact(url) == shown
    assert locate("c", url).display == shown


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        # URLs urlsplit cannot take apart still lose their passwords.
        ("rtsp://admin:pa[ss@10.0.0.1/s", "rtsp://admin:***@10.0.0.1/s"),
        ("rtsp://admin:pa#ss@10.0.0.1/s", "rtsp://admin:***@10.0.0.1/s"),
        ("rtsp://admin:pa/ss@10.0.0.1/s", "rtsp://admin:***@10.0.0.1/s"),
        ("rtsp://admin:p@ss@10.0.0.1/s", "rtsp://admin:***@10.0.0.1/s"),
        ("rtsp://:hunter2@cam/ch1", "rtsp://:***@cam/ch1"),
        ("rtsp://viewer@cam/ch1", "rtsp://viewer@cam/ch1"),
        # Credentials in the query (or path) as many IP cameras take them, any case.
        ("rtsp://cam/s?user=a&password=x", "rtsp://cam/s?user=a&password=***"),
        ("rtsp://cam/s?USER=a&PWD=x&channel=1", "rtsp://cam/s?USER=a&PWD=***&channel=1"),
        ("http://cam/a?Passwd=x;pass=y&auth=z", "http://cam/a?Passwd=***;pass=***&auth=***"),
        ("https://cdn/live.m3u8?token=ab/c#d&key=k", "https://cdn/live.m3u8?token=***&key=***"),
        (
            "rtsp://u:p@10.0.0.2:554/user=u&password=p&channel=1&stream=0.sdp?",
            "rtsp://u:***@10.0.0.2:554/user=u&password=***&channel=1&stream=0.sdp?",
        ),
        ("rtsp://cam/s?password=&channel=1", "rtsp://cam/s?password=&channel=1"),
        ("rtsp://[fe80::1]:554/s?keyframes=1", "rtsp://[fe80::1]:554/s?keyframes=1"),
        ("/srv/rec/a?password=b.mp4", "/srv/rec/a?password=b.mp4"),  # a file, not a URL
    ],
)
def test_credentials_are_masked_however_the_url_is_written(url: str, shown: str) -> None:
    assert redact(url) == shown


def test_password_is_masked_in_the_error_a_user_sees() -> None:
    camera = make_camera(
        "http://admin:s3cret@127.0.0.1:9/x.ts",
        live={"max_connect_attempts": 1, "open_timeout_s": 2},
    )
    board = HealthBoard()
    with pytest.raises(SourceError) as caught:
        list(create_source(camera, health=board).frames())
    assert "s3cret" not in str(caught.value)
    assert "admin:***@127.0.0.1:9" in str(caught.value)
    health = board.get("cam-test")
    assert health is not None and health.last_error is not None
    assert "s3cret" not in health.last_error


def test_malformed_url_is_one_line() -> None:
    with pytest.raises(SourceError, match="malformed stream URL"):
        locate("c", "rtsp://[::1/stream")


def test_health_first_connection_after_a_down_start_is_not_a_reconnect() -> None:
    board = HealthBoard()
    board.connecting("c")
    board.offline("c", "refused")
    board.online("c")
    health = board.get("c")
    assert health is not None
    assert (health.reconnects, health.outages) == (0, 0)
    board.offline("c", "dropped")
    board.online("c")
    health = board.get("c")
    assert health is not None
    assert (health.reconnects, health.outages) == (1, 1)


def test_stopping_a_file_source_says_stopped(clips: dict[str, Path]) -> None:
    board = HealthBoard()
    source = create_source(make_camera(clips["h264_mp4"]), health=board)
    for _ in source.frames():
        source.stop()
    health = board.get("cam-test")
    assert health is not None and health.state is CameraState.STOPPED


def test_frames_keep_a_monotonic_index_and_time(clips: dict[str, Path]) -> None:
    frames = list(create_source(make_camera(clips["h264_ts"], sampling={"mode": "all"})).frames())
    assert [f.index for f in frames] == list(range(250))
    assert np.all(np.diff([f.media_time_s for f in frames]) > 0)
