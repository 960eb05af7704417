"""Setting the analyzer up: its config, its zones, and models that never download."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError

from detector.analyzers.text import OcrEngine, TextAnalyzer, TextConfig, TextModelError
from detector.analyzers.text.engine import MODEL_DIR, rapidocr_params
from detector.errors import ConfigError
from detector.sources.frames import Frame
from tests.detector.analyzers.text.scenes import Poster, WallScene


def test_config_rejects_unknown_and_out_of_range_values() -> None:
    with pytest.raises(ValidationError, match="extra"):
        TextConfig.model_validate({"long_side": 1600})
    with pytest.raises(ValidationError, match="long_side_px"):
        TextConfig(long_side_px=640)
    with pytest.raises(ValidationError, match="volatile_window_s"):
        TextConfig(ocr_interval_s=30.0, volatile_window_s=20.0)


def test_every_field_is_described() -> None:
    undescribed = [n for n, f in TextConfig.model_fields.items() if not f.description]
    assert undescribed == []


@pytest.mark.parametrize(
    "zone",
    [np.array([[0, 0], [10, 10]]), np.array([5, 5, 5, 50]), np.array([[0, 0], [9, 0], [18, 0]])],
    ids=["two-points", "empty-box", "flat-polygon"],
)
def test_a_zone_without_area_is_a_config_error(ocr_engine: OcrEngine, zone: np.ndarray) -> None:
    with pytest.raises(ConfigError, match="zone"):
        TextAnalyzer([zone], engine=ocr_engine)


def test_no_zone_is_a_config_error(ocr_engine: OcrEngine) -> None:
    with pytest.raises(ConfigError, match="at least one"):
        TextAnalyzer([], engine=ocr_engine)


def test_a_frame_without_image_is_refused(ocr_engine: OcrEngine) -> None:
    analyzer = TextAnalyzer([(0, 0, 100, 100)], engine=ocr_engine)
    frame = Frame("cam", 0, 0.0, 0, None, True, None)
    with pytest.raises(ValueError, match="decoded images"):
        analyzer.analyze(frame)


def test_the_models_are_the_ones_inside_the_wheel() -> None:
    params = rapidocr_params(TextConfig())
    for section in ("Det", "Rec", "Cls"):
        path = Path(params[f"{section}.model_path"])
        assert path.parent == MODEL_DIR
        assert path.is_file()


def test_nothing_is_downloaded(monkeypatch: pytest.MonkeyPatch) -> None:
    from rapidocr.utils import download_file

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("RapidOCR tried to download a model")

    monkeypatch.setattr(download_file.DownloadFile, "run", refuse)
    engine = OcrEngine(TextConfig(recognize=True))
    scene = WallScene(posters=(Poster((300, 260), appears_s=0.0),))
    image = scene.render(1.0)[250:350, 290:460]

    assert engine.detect(image), "no text found on the poster"
    assert "RENT" in engine.recognize([image[10:35]])[0].text


def test_missing_models_are_named_in_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr("detector.analyzers.text.engine.MODEL_DIR", tmp_path)
    with pytest.raises(TextModelError, match=r"PP-OCRv6_det_small\.onnx") as raised:
        OcrEngine(TextConfig())
    assert "\n" not in str(raised.value)
