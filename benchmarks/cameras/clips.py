"""The benchmark's camera clips: the shared real clips re-encoded with a key frame every second.

``sampling: keyframes`` analyses one frame per key frame, so a camera analyses once a second
when its encoder puts a key frame every second. The shared clips have other intervals
(highway: 2 s; motorway: 0.04 s, then 12 s), so each is re-encoded once per run, in a
temporary folder outside the repository, with the same codec (H.264 in MP4, MPEG-4 part 2 in
AVI), a 1 s GOP and about the original bitrate.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import av
from av.video.frame import VideoFrame
from av.video.stream import VideoStream

from detector.sources.frames import ImageBGR


@dataclass(frozen=True)
class ClipInfo:
    """What a clip holds, measured by demuxing it (packet payload bytes, no container)."""

    path: str
    codec: str
    width: int
    height: int
    fps: float
    frames: int
    keyframes: int
    duration_s: float
    video_bytes: int

    @property
    def bitrate_bps(self) -> float:
        return self.video_bytes * 8 / self.duration_s

    @property
    def gop_s(self) -> float:
        return self.duration_s / max(1, self.keyframes)

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "bitrate_bps": self.bitrate_bps, "gop_s": self.gop_s}


def probe(path: Path) -> ClipInfo:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        rate = float(stream.average_rate or stream.guessed_rate or 25)
        frames = keyframes = size = 0
        for packet in container.demux(stream):
            if packet.size:
                frames += 1
                keyframes += int(packet.is_keyframe)
                size += packet.size
        return ClipInfo(
            path=str(path),
            codec=stream.codec_context.name,
            width=stream.width,
            height=stream.height,
            fps=rate,
            frames=frames,
            keyframes=keyframes,
            duration_s=frames / rate,
            video_bytes=size,
        )


def _images(path: Path) -> Iterator[ImageBGR]:
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            image: ImageBGR = frame.to_ndarray(format="bgr24")  # type: ignore[assignment]
            yield image


def reencode_1s_gop(source: Path, target: Path) -> ClipInfo:
    """``source`` re-encoded to ``target`` (its suffix picks the container) with one key frame
    per second, the same codec family and about the same bitrate."""
    original = probe(source)
    fps = round(original.fps)
    h264 = original.codec == "h264"
    with av.open(str(target), "w") as output:
        stream = output.add_stream("libx264" if h264 else "mpeg4", rate=fps)
        assert isinstance(stream, VideoStream)
        stream.width, stream.height = original.width, original.height
        stream.pix_fmt = "yuv420p"
        stream.codec_context.gop_size = fps
        stream.codec_context.bit_rate = round(original.bitrate_bps)
        if h264:
            # Fixed key-frame spacing, as street camera encoders do: no scene-cut key frames.
            stream.codec_context.options = {
                "preset": "veryfast",
                "bf": "2",
                "keyint_min": str(fps),
                "sc_threshold": "0",
            }
        for index, image in enumerate(_images(source)):
            frame = VideoFrame.from_ndarray(image, format="bgr24")
            frame.pts = index
            output.mux(stream.encode(frame))
        output.mux(stream.encode(None))
    return probe(target)


def street_1080p(folder: Path, seconds: float = 24.0) -> ClipInfo:
    """A rendered 1920x1080 street (no footage), 25 fps, H.264 CRF 18 with a 1 s GOP, as the
    analyzers benchmark uses: about 2.6 Mbit/s, a camera's main stream. Cached in ``folder``."""
    from detector.demo.encode import write_video
    from detector.demo.street import StreetScript, render_frames

    path = folder / f"street_1080p_{seconds:g}s_gop25_crf18.mp4"
    if not path.is_file():
        script = StreetScript(duration_s=seconds, fps=25, width=1920, height=1080, box_put_s=None)
        partial = path.with_suffix(".partial.mp4")
        write_video(render_frames(script), partial, fps=25, gop_frames=25, crf=18)
        partial.rename(path)
    return probe(path)
