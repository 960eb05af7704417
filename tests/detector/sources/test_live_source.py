"""A live HTTP MPEG-TS camera served by the test itself: outages, stalls and reconnects."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from detector.sources.factory import create_source
from detector.sources.frames import Frame
from detector.sources.health import CameraState, HealthBoard
from tests.factories import make_camera, make_clip
from tests.live_server import LiveTsServer

CLIP_S = 60.0


@pytest.fixture(scope="module")
def ts_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("live")
    return make_clip(folder / "live.ts", seconds=CLIP_S, fps=10, gop_frames=10)


@pytest.fixture
def server(ts_clip: Path) -> Iterator[LiveTsServer]:
    live = LiveTsServer(ts_clip, CLIP_S)
    live.start()
    yield live
    live.stop()


class Reader:
    """Runs a source in a thread, as a camera worker would, and collects its frames."""

    def __init__(self, url: str, board: HealthBoard, **live: object) -> None:
        settings: dict[str, object] = {
            "backoff_initial_s": 0.2,
            "backoff_max_s": 1.0,
            "open_timeout_s": 3.0,
        }
        settings.update(live)
        camera = make_camera(url, sampling={"mode": "rate", "rate_fps": 5}, live=settings)
        self.source = create_source(camera, health=board, want_images=False)
        self.frames: list[Frame] = []
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            for frame in self.source.frames():
                self.frames.append(frame)
        except BaseException as exc:  # noqa: BLE001 - surfaced to the test below
            self.error = exc

    def stop(self) -> None:
        self.source.stop()
        self._thread.join(timeout=10)
        assert not self._thread.is_alive()
        assert self.error is None


def wait_for(condition: Callable[[], bool], timeout_s: float = 15.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_reconnects_after_the_camera_goes_away_and_shows_the_outage(
    server: LiveTsServer,
) -> None:
    board = HealthBoard()
    reader = Reader(server.url, board)
    wait_for(lambda: len(reader.frames) >= 10)
    health = board.get("cam-test")
    assert health is not None and health.state is CameraState.ONLINE
    assert health.outages == 0

    server.stop()
    wait_for(lambda: board.get("cam-test").state is CameraState.OFFLINE)  # type: ignore[union-attr]
    down = board.get("cam-test")
    assert down is not None and down.last_error is not None
    frames_at_outage = len(reader.frames)
    time.sleep(1.5)  # the camera stays down: failed attempts, no crash, no frames
    assert len(reader.frames) == frames_at_outage
    assert board.get("cam-test").state is CameraState.OFFLINE  # type: ignore[union-attr]

    server.start()
    wait_for(lambda: len(reader.frames) >= frames_at_outage + 10)
    health = board.get("cam-test")
    reader.stop()
    assert board.get("cam-test").state is CameraState.STOPPED  # type: ignore[union-attr]
    assert health is not None
    assert health.state is CameraState.ONLINE
    assert health.outages == 1
    assert health.reconnects == 1
    assert health.since > down.since
    # The latest failure stays visible after recovery, so the outage can be explained.
    assert health.last_error is not None and health.last_error_at is not None
    assert down.last_error_at is not None and health.last_error_at >= down.last_error_at

    before = [f for f in reader.frames if f.epoch == 0]
    after = [f for f in reader.frames if f.epoch > 0]
    assert before and after
    # Live frames carry UTC wall-clock time; indexes keep counting across the reconnect.
    assert all(f.captured_at is not None and f.captured_at.utcoffset() is not None for f in after)
    assert after[0].index > before[-1].index
    assert after[0].captured_at > before[-1].captured_at  # type: ignore[operator]


def test_a_stalled_stream_counts_as_a_disconnect(server: LiveTsServer) -> None:
    board = HealthBoard()
    reader = Reader(server.url, board, stall_timeout_s=1.0)
    wait_for(lambda: len(reader.frames) >= 5)
    server.paused.set()
    wait_for(lambda: board.get("cam-test").state is CameraState.OFFLINE)  # type: ignore[union-attr]
    error = board.get("cam-test").last_error  # type: ignore[union-attr]
    assert error == "stream dropped: timed out waiting for data"
    connections = server.connections
    server.paused.clear()
    wait_for(lambda: board.get("cam-test").state is CameraState.ONLINE)  # type: ignore[union-attr]
    reader.stop()
    assert server.connections > connections


def test_an_unexpected_failure_is_retried_not_fatal(
    server: LiveTsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from detector.sources.opening import open_input as real_open

    calls: list[int] = []

    def flaky_open(*args: object, **kwargs: object) -> object:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("decoder exploded")
        return real_open(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr("detector.sources.live.open_input", flaky_open)
    board = HealthBoard()
    reader = Reader(server.url, board)
    wait_for(lambda: len(reader.frames) >= 3)
    reader.stop()
    health = board.get("cam-test")
    assert health is not None
    assert health.last_error == "unexpected failure: RuntimeError: decoder exploded"
    assert len(calls) == 2
