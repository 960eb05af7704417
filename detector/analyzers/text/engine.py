"""The one module that talks to RapidOCR: its bundled PP-OCR models, detection, recognition."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import rapidocr
from rapidocr import RapidOCR
from rapidocr.ch_ppocr_det import TextDetOutput
from rapidocr.ch_ppocr_rec import TextRecOutput

from detector.analyzers.text.config import TextConfig
from detector.errors import StreetOrderError
from detector.sources.frames import ImageBGR

logger = logging.getLogger(__name__)

MODEL_DIR = Path(rapidocr.__file__).resolve().parent / "models"
"""Where the rapidocr wheel carries its models; nothing is ever downloaded."""
DET_MODEL = "PP-OCRv6_det_small.onnx"
REC_MODEL = "PP-OCRv6_rec_small.onnx"
CLS_MODEL = "ch_ppocr_mobile_v2.0_cls_mobile.onnx"


class TextModelError(StreetOrderError):
    """The OCR models cannot be found or loaded."""


@dataclass(frozen=True)
class DetectedLine:
    """One text line found by detection, in pixels of the image passed to ``detect``."""

    box_xyxy: tuple[float, float, float, float]
    score: float
    """Mean text probability inside the line, 0-1."""


@dataclass(frozen=True)
class ReadText:
    """What recognition read on one line image."""

    text: str
    score: float


def _model_paths() -> dict[str, str]:
    paths = {
        "Det": MODEL_DIR / DET_MODEL,
        "Rec": MODEL_DIR / REC_MODEL,
        "Cls": MODEL_DIR / CLS_MODEL,
    }
    missing = [path.name for path in paths.values() if not path.is_file()]
    if missing:
        raise TextModelError(
            f"RapidOCR's bundled models are missing from {MODEL_DIR}: {', '.join(missing)}; "
            "reinstall the rapidocr wheel (models are never downloaded at run time)"
        )
    return {f"{section}.model_path": str(path) for section, path in paths.items()}


def rapidocr_params(config: TextConfig) -> dict[str, Any]:
    """RapidOCR settings: explicit bundled model paths, so its download code is never reached."""
    params: dict[str, Any] = {
        **_model_paths(),
        "Global.use_cls": False,
        "Global.use_rec": False,
        # Its own logger prints to stderr and warns on every empty frame.
        "Global.log_level": "error",
        # The analyzer sizes zones itself; RapidOCR's own resizing and padding would undo that.
        "Global.use_preprocess_img": False,
        "Global.use_vertical_padding": False,
        "Det.limit_type": "max",
        "Det.limit_side_len": config.long_side_px,
        "Det.box_thresh": config.det_box_thresh,
        "Det.thresh": config.det_pixel_thresh,
    }
    if config.threads:
        params["EngineConfig.onnxruntime.intra_op_num_threads"] = config.threads
    return params


class OcrEngine:
    """RapidOCR's text detector and recogniser on the models inside the wheel.

    Not thread-safe (RapidOCR keeps per-call switches on the instance): one per worker.
    Recognition loads its model on first use only.
    """

    def __init__(self, config: TextConfig | None = None) -> None:
        self.config = config or TextConfig()
        self._ocr = RapidOCR(params=rapidocr_params(self.config))

    def detect(self, image: ImageBGR) -> list[DetectedLine]:
        """Text lines in ``image`` (BGR), as axis-aligned boxes in its pixels."""
        result = self._ocr(image, use_det=True, use_cls=False, use_rec=False)
        if not isinstance(result, TextDetOutput) or result.boxes is None:
            return []
        scores = result.scores or [0.0] * len(result.boxes)
        lines = []
        for quad, score in zip(result.boxes, scores, strict=True):
            points = np.asarray(quad, dtype=np.float32).reshape(-1, 2)
            x0, y0 = points.min(axis=0)
            x1, y1 = points.max(axis=0)
            lines.append(DetectedLine((float(x0), float(y0), float(x1), float(y1)), float(score)))
        return lines

    def recognize(self, lines: Sequence[ImageBGR]) -> list[ReadText]:
        """The text on each single-line image; "" where nothing was read."""
        return [self._recognize_one(line) for line in lines]

    def _recognize_one(self, line: ImageBGR) -> ReadText:
        result = self._ocr(line, use_det=False, use_cls=False, use_rec=True)
        if not isinstance(result, TextRecOutput) or not result.txts:
            return ReadText("", 0.0)
        score = float(result.scores[0]) if result.scores else 0.0
        return ReadText(str(result.txts[0]), score)
