from __future__ import annotations

from pathlib import Path

import pytest

from tests.factories import SHARED_CLIPS, make_clip


@pytest.fixture(scope="session")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Generated clips, 25 fps with a key frame every 2 s: 10 s unless the name says 40 s."""
    folder = tmp_path_factory.mktemp("clips")
    return {
        "h264_mp4": make_clip(folder / "h264.mp4", gop_frames=50),
        "h264_ts": make_clip(folder / "h264.ts", gop_frames=50),
        "mpeg4_avi": make_clip(folder / "mpeg4.avi", codec="mpeg4", gop_frames=50),
        "h264_40s": make_clip(folder / "h264_40s.mp4", seconds=40.0, gop_frames=50),
        "mpeg4_40s": make_clip(
            folder / "mpeg4_40s.avi", seconds=40.0, codec="mpeg4", gop_frames=50
        ),
    }


@pytest.fixture(scope="session")
def shared_clip() -> Path:
    """Folder of the real clips in ../shared; tests that need them skip only if it is absent."""
    if not SHARED_CLIPS.is_dir():
        pytest.skip(f"real clips not present: {SHARED_CLIPS} (../shared is absent)")
    return SHARED_CLIPS
