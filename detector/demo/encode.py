"""Writing rendered frames as video files through PyAV (demo, tests and benchmarks)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import av
from av.video.frame import VideoFrame
from av.video.stream import VideoStream

from detector.sources.frames import ImageBGR

CONTAINER_FOR_SUFFIX = {".mp4": "mp4", ".ts": "mpegts", ".avi": "avi", ".mkv": "matroska"}


def write_video(
    frames: Iterable[ImageBGR],
    path: Path,
    *,
    fps: int,
    codec: str = "libx264",
    gop_frames: int | None = None,
    b_frames: int = 2,
    crf: int = 23,
    pix_fmt: str = "yuv420p",
) -> int:
    """Encode ``frames`` to ``path`` with a fixed key-frame interval; returns the frame count.

    ``gop_frames`` fixes the distance between key frames (default: two seconds), as street
    camera encoders do.
    """
    gop = gop_frames or 2 * fps
    count = 0
    with av.open(str(path), "w", format=CONTAINER_FOR_SUFFIX.get(path.suffix.lower())) as output:
        stream = output.add_stream(codec, rate=fps)
        assert isinstance(stream, VideoStream)
        stream.pix_fmt = pix_fmt
        stream.codec_context.gop_size = gop
        if codec == "libx264":
            stream.codec_context.options = {
                "preset": "veryfast",
                "crf": str(crf),
                "bf": str(b_frames),
                "keyint_min": str(gop),
                "sc_threshold": "0",
            }
        else:
            stream.codec_context.bit_rate = 2_000_000
            stream.codec_context.max_b_frames = b_frames
        for image in frames:
            if count == 0:
                stream.height, stream.width = image.shape[:2]
            frame = VideoFrame.from_ndarray(image, format="bgr24")
            frame.pts = count
            output.mux(stream.encode(frame))
            count += 1
        output.mux(stream.encode(None))
    return count
