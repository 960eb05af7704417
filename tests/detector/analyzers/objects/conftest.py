"""Offline Ultralytics for the objects analyzer tests: set before anything imports it."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.factories import REPO_ROOT, SHARED

# Ultralytics reads these when first imported, so they must be set before the test modules
# (or anything they import) pull it in; the Makefile sets the same values.
os.environ["YOLO_OFFLINE"] = "1"
os.environ.setdefault("YOLO_CONFIG_DIR", str(REPO_ROOT / "var" / "ultralytics"))

from detector.cli.offline_setup import prepare

prepare(Path(os.environ["YOLO_CONFIG_DIR"]))

import cv2  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

from detector.analyzers.objects import YoloV5Detector, load_yolov5_checkpoint  # noqa: E402
from detector.sources.frames import ImageBGR  # noqa: E402
from tests.detector.analyzers.objects.helpers import BUS_JPG, YOLOV5_CHECKPOINT  # noqa: E402


class NetworkUsedError(AssertionError):
    """Something in an objects test tried to reach the network."""


def _refuse(*args: Any, **kwargs: Any) -> Any:
    raise NetworkUsedError(f"network access attempted: {args[:2]!r}")


@pytest.fixture(autouse=True, scope="module")
def no_network() -> Iterator[None]:
    """Nothing in this folder may download: any connection or DNS lookup fails the test."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket.socket, "connect", _refuse)
        patch.setattr(socket, "getaddrinfo", _refuse)
        yield


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread() -> Iterator[None]:
    """Two intra-op threads on a 2-core machine shared with other jobs stall each other
    (one spins while the other is descheduled: 40 ms inferences become 600 ms); one is steady."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="session")
def bus_image() -> ImageBGR:
    image = cv2.imread(str(BUS_JPG))
    assert image is not None, f"cannot read {BUS_JPG}"
    return np.asarray(image, np.uint8)


@pytest.fixture(scope="session")
def yolov5_path() -> Path:
    """The shared YOLOv5n checkpoint; skipped only where ../shared itself is absent."""
    if not SHARED.is_dir():
        pytest.skip(f"YOLOv5 checkpoint not present: {SHARED} (../shared is absent)")
    return YOLOV5_CHECKPOINT


@pytest.fixture(scope="session")
def yolov5(yolov5_path: Path) -> YoloV5Detector:
    """One loaded checkpoint shared by the tests (loading is the slow part)."""
    return load_yolov5_checkpoint(yolov5_path)
