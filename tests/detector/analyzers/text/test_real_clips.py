"""Real traffic clips: burned-in clocks, counters and passing lettering are never new posters."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from detector.analyzers.text import OcrEngine, TextAnalyzer, TextConfig
from detector.sources.factory import create_source
from tests.factories import make_camera

pytestmark = pytest.mark.slow

# A short learning period, so that most of each clip is analysed after it.
CONFIG = TextConfig(learn_s=5.0)


@pytest.mark.parametrize("clip", ["motorway_osd.avi", "highway_traffic.mp4"])
def test_a_traffic_clip_has_no_new_still_text(
    shared_clip: Path, ocr_engine: OcrEngine, clip: str
) -> None:
    camera = make_camera(shared_clip / clip, sampling={"mode": "rate", "rate_fps": 1.0})
    analyzer: TextAnalyzer | None = None
    reported: list[tuple[float, list[float]]] = []
    seconds = 0.0
    for frame in create_source(camera).frames():
        assert frame.image_bgr is not None
        if analyzer is None:
            h, w = frame.image_bgr.shape[:2]
            whole = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
            analyzer = TextAnalyzer([whole], CONFIG, engine=ocr_engine)
        detections = analyzer.analyze(frame)
        reported.extend((frame.media_time_s, box.tolist()) for box in detections.xyxy)
        seconds = frame.media_time_s

    assert seconds >= 25.0, "the clip was not read to its end"
    assert reported == []
