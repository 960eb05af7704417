"""A short look at a camera: dwell times capped to fit an inspection's window; a live window
ends after its seconds, and a dead stream is given up on instead of retried forever."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from api.server import free_port
from detector.demo.street import StreetScript
from detector.errors import SourceError
from detector.inspection.window import for_inspection, observe_camera
from detector.pipeline.analyzers import AnalyzerSettings
from detector.rules.scene import SceneConfig
from tests.factories import make_camera, render_clip
from tests.live_server import LiveTsServer

SCENE = SceneConfig.model_validate(
    {
        "camera": {"id": "cam-1", "key_point": "market"},
        "zones": [{"name": "pavement", "type": "pavement", "polygon": [[0, 0], [1, 0], [1, 1]]}],
        "rules": {"clutter": {"dwell_s": 600, "clear_s": 30}, "stall": {"dwell_s": 10}},
    }
)


@pytest.mark.parametrize(
    ("seconds", "clutter", "stall", "illegal_ad"),
    [
        (60, 30, 10, 30),  # half the window; shorter dwells stay
        (600, 300, 10, 30),  # illegal_ad's own default (30 s) is below the cap
        (1, 1, 1, 1),  # never under the rules' 1 s minimum
    ],
)
def test_dwell_is_capped_at_half_the_window(
    seconds: float, clutter: float, stall: float, illegal_ad: float
) -> None:
    scene = for_inspection(SCENE, seconds)
    dwell = {code: scene.rule(code).dwell_s for code in ("clutter", "stall", "illegal_ad")}
    assert dwell == {"clutter": clutter, "stall": stall, "illegal_ad": illegal_ad}
    assert scene.rule("clutter").clear_s == 30  # everything else as configured
    assert scene.zones == SCENE.zones


LIVE_S = 20.0


@pytest.fixture(scope="module")
def live_street(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A street served live in real time, the box put down at 1 s."""
    script = StreetScript(duration_s=LIVE_S, fps=10, width=320, height=180, box_put_s=1.0)
    clip = render_clip(tmp_path_factory.mktemp("live") / "street.ts", script)
    server = LiveTsServer(clip, LIVE_S)
    server.start()
    yield server.url
    server.stop()


def test_a_live_window_ends_after_its_seconds(live_street: str) -> None:
    camera = make_camera(live_street, id="cam-1", sampling={"rate_fps": 2})
    started = time.monotonic()
    window = observe_camera(camera, SCENE, AnalyzerSettings(), seconds=3)
    took_s = time.monotonic() - started
    assert 3 <= window.span_s < 4 and len(window.sightings) == window.frames >= 6
    assert took_s < 10  # the next 3 s of the stream, not its 20


def test_a_dead_stream_is_unreadable_within_its_attempts() -> None:
    dead = f"http://127.0.0.1:{free_port()}/live.ts"
    camera = make_camera(dead, id="cam-1", live={"open_timeout_s": 1, "backoff_initial_s": 0.1})
    started = time.monotonic()
    with pytest.raises(SourceError, match="gave up after 2 failed attempts"):
        observe_camera(camera, SCENE, AnalyzerSettings(), seconds=30)
    assert time.monotonic() - started < 10
