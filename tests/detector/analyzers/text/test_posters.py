"""Posters on a generated wall: found once still, sign and clocks never, zones respected."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from detector.analyzers.text import TextAnalyzer, TextConfig
from detector.analyzers.text.engine import OcrEngine
from tests.detector.analyzers.text.scenes import (
    Clock,
    Observed,
    Passer,
    Poster,
    WallScene,
    iou,
    run,
)

POSTER = Poster((300, 260), appears_s=20.0)
LEARNING = TextConfig(learn_s=10.0)


def reported(observed: list[Observed]) -> list[Observed]:
    return [o for o in observed if len(o.detections) > 0]


def assert_poster_found_once(observed: list[Observed], poster: Poster, stable_s: float) -> None:
    shown = reported(observed)
    assert shown, "the poster was never reported"
    first = shown[0]
    # Reported once still for stable_s, give or take one detection interval; never before.
    assert poster.appears_s + stable_s <= first.t_s <= poster.appears_s + stable_s + 3
    after = [o for o in observed if o.t_s >= first.t_s]
    assert all(len(o.detections) == 1 for o in after), "the poster flickered or was doubled"
    for o in after:
        assert iou(o.detections.xyxy[0], poster.box) >= 0.5
        assert o.detections.labels == ("text_region",)
        assert bool(o.detections.data["is_new"][0])
        assert poster.appears_s <= o.detections.data["still_since_s"][0] <= poster.appears_s + 2
        assert 0.0 < o.detections.confidence[0] <= 1.0


def test_a_poster_stuck_on_the_wall_is_one_new_still_region(ocr_engine: OcrEngine) -> None:
    scene = WallScene(posters=(POSTER,))
    analyzer = TextAnalyzer([scene.whole_frame], LEARNING, engine=ocr_engine)

    observed = run(analyzer, scene.frames(60))

    assert_poster_found_once(observed, POSTER, LEARNING.stable_s)
    assert not any(len(o.touching(scene.sign_box)) for o in observed), "shop sign reported"
    last = observed[-1].detections
    assert last.data["text"][0] == ""  # recognition is off by default
    assert not last.data["has_phone"][0]


def test_a_reference_image_makes_the_sign_known_without_learning(ocr_engine: OcrEngine) -> None:
    scene = WallScene(posters=(POSTER,))
    config = TextConfig(learn_s=0.0)
    analyzer = TextAnalyzer(
        [scene.whole_frame], config, reference_bgr=scene.render(0.0), engine=ocr_engine
    )

    observed = run(analyzer, scene.frames(40))

    assert_poster_found_once(observed, POSTER, config.stable_s)
    assert not any(len(o.touching(scene.sign_box)) for o in observed)


@pytest.mark.parametrize("clock_starts_s", [0.0, 15.0], ids=["from-start", "after-learning"])
def test_a_running_clock_is_never_new_even_after_it_stops(
    ocr_engine: OcrEngine, clock_starts_s: float
) -> None:
    # It stops at 40 s and stays frozen for 50 s: longer than stable_s and the change window.
    clock = Clock(starts_s=clock_starts_s, stops_s=40.0)
    scene = WallScene(posters=(POSTER,), clock=clock)
    analyzer = TextAnalyzer([scene.whole_frame], LEARNING, engine=ocr_engine)

    observed = run(analyzer, scene.frames(90))

    assert not any(len(o.touching(clock.box)) for o in observed), "the clock was reported"
    assert_poster_found_once(observed, POSTER, LEARNING.stable_s)


def test_text_outside_the_wall_zones_is_ignored(ocr_engine: OcrEngine) -> None:
    inside = Poster((120, 300), appears_s=12.0)
    outside = Poster((700, 300), appears_s=12.0)
    scene = WallScene(posters=(inside, outside))
    left_half = (0, 200, scene.width // 2, scene.height)  # a crop box, not a polygon
    analyzer = TextAnalyzer([left_half], LEARNING, engine=ocr_engine)

    observed = run(analyzer, scene.frames(30))

    assert not any(len(o.touching(outside.box)) for o in observed)
    assert_poster_found_once(observed, inside, LEARNING.stable_s)


def test_a_poster_stays_reported_while_someone_walks_past(ocr_engine: OcrEngine) -> None:
    # In front of the poster at 40 and 41 s, gone after 44 s.
    scene = WallScene(posters=(POSTER,), passers=(Passer(starts_s=38.0, ends_s=45.0),))
    analyzer = TextAnalyzer([scene.whole_frame], LEARNING, engine=ocr_engine)

    observed = run(analyzer, scene.frames(60))

    passer = scene.passers[0]
    covered = [
        o.t_s for o in observed if passer.present(o.t_s) and iou(passer.box(o.t_s), POSTER.box) > 0
    ]
    assert covered, "the figure never passed in front of the poster"
    assert_poster_found_once(observed, POSTER, LEARNING.stable_s)


def test_a_removed_poster_is_dropped(ocr_engine: OcrEngine) -> None:
    poster = Poster((300, 260), appears_s=15.0, removed_s=35.0)
    scene = WallScene(posters=(poster,))
    config = TextConfig(learn_s=10.0, forget_s=5.0)
    analyzer = TextAnalyzer([scene.whole_frame], config, engine=ocr_engine)

    observed = run(analyzer, scene.frames(50))

    at = {o.t_s: len(o.detections) for o in observed}
    assert at[34.0] == 1
    assert all(count == 0 for t_s, count in at.items() if t_s >= poster.removed_s + 10)


def test_live_frames_time_regions_on_the_utc_clock_across_reconnects(
    ocr_engine: OcrEngine,
) -> None:
    scene = WallScene(posters=(POSTER,))
    opened = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
    # A live camera: UTC capture times; the media clock restarts when it reconnects at 25 s.
    live = (
        dataclasses.replace(
            frame,
            epoch=int(frame.media_time_s >= 25),
            media_time_s=frame.media_time_s % 25,
            captured_at=opened + timedelta(seconds=frame.media_time_s),
        )
        for frame in scene.frames(40)
    )
    analyzer = TextAnalyzer([scene.whole_frame], LEARNING, engine=ocr_engine)

    observed = [analyzer.analyze(frame) for frame in live]

    assert all(len(d) == 1 for d in observed[31:])
    expected = (opened + timedelta(seconds=POSTER.appears_s)).timestamp()
    assert observed[-1].data["still_since_s"][0] == pytest.approx(expected, abs=2.0)
