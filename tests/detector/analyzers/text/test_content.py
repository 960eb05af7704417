"""What new text says and shows: phone numbers and QR codes raise the score, time stamps are
never ads."""

from __future__ import annotations

import pytest

from detector.analyzers.detections import Detections
from detector.analyzers.text import TextAnalyzer, TextConfig
from detector.analyzers.text.content import has_phone_number, is_time_stamp
from detector.analyzers.text.engine import OcrEngine
from tests.detector.analyzers.text.scenes import (
    PLAIN_LINES,
    Clock,
    Observed,
    Poster,
    WallScene,
    run,
)

PHONE = Poster((100, 260), appears_s=20.0)
PLAIN = Poster((380, 260), lines=PLAIN_LINES, appears_s=20.0)
QR = Poster((660, 250), lines=("ROOM 4 RENT", "NO AGENTS"), qr_text="http://ad.example/r4")
FROZEN_STAMP = Clock(origin=(100, 470), starts_s=20.0, stops_s=20.0)
"""A time stamp that never ticks: only recognition can tell it from a poster."""
SCENE = WallScene(posters=(PHONE, PLAIN, QR), clock=FROZEN_STAMP)


@pytest.mark.parametrize(
    "text",
    [
        "TEL 13812345678",
        "TEL13812345678",
        "Call 138 1234 5678",
        "138-1234-5678",
        "+86 138 1234 5678",
        "电话：0755-12345678",
        "TEL: 1381234567O",  # recognition reads a trailing 0 as the letter O
    ],
)
def test_phone_numbers_are_recognised(text: str) -> None:
    assert has_phone_number(text)


@pytest.mark.parametrize(
    "text", ["ROOM 4 RENT", "No. 12 shop 3", "Sale ends 2024-05-01", "2024-05-01 11:04:27"]
)
def test_short_numbers_dates_and_times_are_not_phone_numbers(text: str) -> None:
    assert not has_phone_number(text)


@pytest.mark.parametrize(
    "text",
    ["2024-05-01 11:04:27", "2024-05-0111:04:27", "17/09/07 12:04:11", "12:04", "2024年5月1日"],
)
def test_time_stamps_read_as_time_stamps(text: str) -> None:
    assert is_time_stamp(text)


@pytest.mark.parametrize("text", ["OPEN 9:00-18:00 DAILY NOODLES", "TEL 13812345678", "NO AGENTS"])
def test_text_with_a_time_in_it_is_not_a_time_stamp(text: str) -> None:
    assert not is_time_stamp(text)


def _at(observed: Observed, poster: Poster) -> Detections:
    found = observed.touching(poster.box)
    assert len(found) == 1, f"expected one region at {poster.box}, got {len(found)}"
    return found


@pytest.fixture(scope="module")
def read_scene(ocr_engine: OcrEngine) -> Observed:
    """The scene with recognition on, after the posters have been still for stable_s."""
    analyzer = TextAnalyzer(
        [SCENE.whole_frame], TextConfig(learn_s=10.0, recognize=True), engine=ocr_engine
    )
    return run(analyzer, SCENE.frames(33))[-1]


def test_a_phone_number_raises_the_ad_score(read_scene: Observed) -> None:
    phone, plain = _at(read_scene, PHONE), _at(read_scene, PLAIN)

    assert "13812345678" in str(phone.data["text"][0]).replace(" ", "")
    assert phone.data["has_phone"][0]
    assert not plain.data["has_phone"][0]
    assert "RENT" in str(plain.data["text"][0])
    assert phone.confidence[0] > plain.confidence[0]


def test_a_qr_code_raises_the_ad_score(read_scene: Observed) -> None:
    qr, plain = _at(read_scene, QR), _at(read_scene, PLAIN)

    assert qr.data["has_qr"][0]
    assert not plain.data["has_qr"][0]
    assert qr.confidence[0] > plain.confidence[0]


def test_text_that_reads_as_a_time_stamp_is_never_new(read_scene: Observed) -> None:
    assert len(read_scene.touching(FROZEN_STAMP.box)) == 0
    assert len(read_scene.detections) == 3  # the three posters, nothing else
