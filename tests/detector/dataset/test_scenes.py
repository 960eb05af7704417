"""One image per scene: equal content or near-identical thumbnails of one camera."""

from __future__ import annotations

import numpy as np
import pytest

from detector.dataset.scenes import Frame, group_scenes, thumbnail

RNG = np.random.default_rng(0)
STREET = RNG.integers(0, 255, (96, 128, 3), dtype=np.uint8)


def _noisy(image: np.ndarray, amplitude: int) -> np.ndarray:
    noise = np.random.default_rng(1).integers(-amplitude, amplitude + 1, image.shape)
    noisy: np.ndarray = np.clip(image.astype(np.int16) + noise, 0, 255).astype(np.uint8)
    return noisy


def _with_object(image: np.ndarray) -> np.ndarray:
    changed = image.copy()
    changed[40:52, 60:76] = 255  # a 16 × 12 px object: a bit more than one thumbnail cell
    return changed


def frame(camera: str, image: np.ndarray, digest: str) -> Frame:
    return Frame(camera, digest, (image.shape[1], image.shape[0]), thumbnail(image))


@pytest.mark.parametrize(
    ("second", "camera", "digest", "same"),
    [
        (STREET, "cam-1", "h1", True),  # the same file
        (_noisy(STREET, 3), "cam-1", "h2", True),  # encoder / sensor noise
        (_with_object(STREET), "cam-1", "h2", False),  # something new in the picture
        (STREET, "cam-2", "h1", True),  # the very same picture, whichever camera sent it
        (_noisy(STREET, 3), "cam-2", "h2", False),  # a look-alike from another camera
        (STREET[:, ::-1], "cam-1", "h2", False),  # another view
        (STREET[:64], "cam-1", "h2", False),  # another size
    ],
)
def test_same_scene(second: np.ndarray, camera: str, digest: str, same: bool) -> None:
    first = frame("cam-1", STREET, "h1")
    groups = group_scenes([first, frame(camera, np.ascontiguousarray(second), digest)])
    assert groups == ([[0, 1]] if same else [[0], [1]])


def test_groups_keep_the_first_frame_and_the_given_order() -> None:
    frames = [
        frame("cam-1", STREET, "a"),
        frame("cam-2", STREET, "a"),
        frame("cam-1", _noisy(STREET, 2), "b"),
        frame("cam-1", _with_object(STREET), "c"),
        frame("cam-2", _noisy(STREET, 2), "d"),
        frame("cam-2", STREET, "a"),
    ]
    assert group_scenes(frames) == [[0, 1, 2, 5], [3], [4]]
