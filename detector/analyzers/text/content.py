"""What a text region says and shows: phone numbers, QR codes, time stamps, the ad score."""

from __future__ import annotations

import re
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from detector.analyzers.text.appearance import Box, int_box
from detector.sources.frames import ImageBGR

_SEPARATORS = re.compile(r"(?<=\d)[\s\-–—.·/()（）]+(?=\d)")
_PHONE_DIGITS = re.compile(r"\d{7,}")
"""Seven or more digits once separators are gone. Covers Chinese mobiles (1[3-9] and nine
digits, with or without +86), landlines (0, a 2-3 digit area code, 7-8 digits) and local
numbers without area code."""
_LOOKS_LIKE_DIGIT = str.maketrans({"O": "0", "o": "0", "I": "1", "l": "1", "|": "1"})

# No look-ahead after dates: recognition drops the space in "2024-05-01 12:04:11".
_DATE = re.compile(r"(?<!\d)(?:\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?|\d{1,2}[-/.]\d{1,2}[-/.]\d{4})")
_TIME = re.compile(r"\d{1,2}[:：]\d{2}(?:[:：]\d{2})?(?!\d)")
_OSD_REST_SHARE = 0.4
"""A region is a time stamp when, without its times and dates, this little text is left."""

_QR_MIN_SIDE = 240
"""Search images are enlarged to this size so a small code's modules span several pixels."""
_QR_SEARCH_PAD = 1.0
"""Search this many block sizes around the text: a code sits next to it, about as big."""
_QR_MIN_MODULE_SIDE = 21.0
"""Least side of a code in search pixels: 21 modules (version 1), one pixel each."""
_QR_MAX_SIDE_RATIO = 1.5

_BASE_SCORE = 0.3
_DET_WEIGHT = 0.2
_MULTILINE_BONUS = 0.1
_PHONE_BONUS = 0.3
_QR_BONUS = 0.2


@dataclass(frozen=True)
class RegionContent:
    """What is known about a new, stable text region."""

    text: str
    """Recognised text, lines joined by newlines; "" when recognition is off."""
    has_phone: bool
    has_qr: bool
    lines: int
    det_score: float
    """Mean detection probability of its lines, 0-1."""

    @property
    def ad_score(self) -> float:
        """0-1: any new still text scores some; phone numbers and QR codes make it an ad."""
        score = _BASE_SCORE + _DET_WEIGHT * self.det_score
        if self.lines >= 2:
            score += _MULTILINE_BONUS
        if self.has_phone:
            score += _PHONE_BONUS
        if self.has_qr:
            score += _QR_BONUS
        return float(min(1.0, max(0.0, score)))


def digits_joined(text: str) -> str:
    """``text`` with separators inside digit runs removed and O/I/l read as digits there."""
    fixed = re.sub(
        r"(?<=\d)[OoIl|]|[OoIl|](?=\d)", lambda m: m.group().translate(_LOOKS_LIKE_DIGIT), text
    )
    return _SEPARATORS.sub("", fixed)


def without_dates_and_times(text: str) -> str:
    return _TIME.sub(" ", _DATE.sub(" ", text))


def has_phone_number(text: str) -> bool:
    """A Chinese mobile or landline number, or any seven-plus digit run, possibly separated.

    Dates and times are taken out first: "2024-05-01" is eight digits, not a number to call.
    """
    return bool(_PHONE_DIGITS.search(digits_joined(without_dates_and_times(text))))


def is_time_stamp(text: str) -> bool:
    """Whether ``text`` is mostly times and dates, as a camera's on-screen clock is."""
    compact = re.sub(r"\s+", "", text)
    rest = without_dates_and_times(compact).replace(" ", "")
    if rest == compact:
        return False
    rest_chars = sum(ch.isalnum() for ch in rest)
    all_chars = sum(ch.isalnum() for ch in compact)
    return rest_chars <= _OSD_REST_SHARE * max(all_chars, 1)


def qr_search_box(box: Box, width: int, height: int) -> tuple[int, int, int, int] | None:
    """Around a text block: posters print their QR code beside or below the text."""
    pad = _QR_SEARCH_PAD * max(box[2] - box[0], box[3] - box[1])
    return int_box((box[0] - pad, box[1] - pad, box[2] + pad, box[3] + pad), width, height)


def has_qr_code(image: ImageBGR, box: Box) -> bool:
    """Whether a QR code is printed near ``box``: decoded, or three finder patterns found
    that frame a square (OpenCV's detector alone also fires on printed text)."""
    area = qr_search_box(box, image.shape[1], image.shape[0])
    if area is None:
        return False
    x0, y0, x1, y1 = area
    gray = np.asarray(cv2.cvtColor(image[y0:y1, x0:x1], cv2.COLOR_BGR2GRAY), np.uint8)
    scale = max(1.0, _QR_MIN_SIDE / min(gray.shape))
    if scale > 1.0:
        gray = np.asarray(
            cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC), np.uint8
        )
    # One pass: detectAndDecode also returns the corners it found when decoding fails, so a
    # second detect() on the same crop (about as slow again) is not needed.
    decoded, points, _ = cv2.QRCodeDetector().detectAndDecode(gray)
    if decoded:
        return True
    return points is not None and _is_square(np.asarray(points, np.float32))


def _is_square(points: npt.NDArray[np.float32]) -> bool:
    quad = points.reshape(-1, 2)
    if len(quad) != 4 or not np.isfinite(quad).all():
        return False
    sides = np.linalg.norm(quad - np.roll(quad, -1, axis=0), axis=1)
    if sides.min() < _QR_MIN_MODULE_SIDE:
        return False
    return bool(sides.max() / sides.min() <= _QR_MAX_SIDE_RATIO) and bool(cv2.isContourConvex(quad))
