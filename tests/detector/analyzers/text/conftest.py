from __future__ import annotations

import pytest

from detector.analyzers.text import OcrEngine, TextConfig


@pytest.fixture(scope="session")
def ocr_engine() -> OcrEngine:
    """One engine for the whole session: loading the models is the slow part of start-up."""
    return OcrEngine(TextConfig())
