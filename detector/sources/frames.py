"""Messages that leave a source: decoded frames for analysis and compressed packets for evidence."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

import av
import numpy as np
import numpy.typing as npt
from av.codec.context import CodecContext
from av.container import OutputContainer
from av.video.codeccontext import VideoCodecContext
from av.video.stream import VideoStream

ImageBGR = npt.NDArray[np.uint8]
"""An H×W×3 uint8 image in OpenCV's BGR order, in source pixels."""


@dataclass(frozen=True, eq=False)
class Frame:
    """One decoded frame handed to analysis."""

    camera_id: str
    index: int
    """Position among all frames the source presented, from 0, counting frames that sampling
    skipped; it keeps counting across reconnects."""
    media_time_s: float
    """Seconds on the source's media clock: 0 at the start of a file, or of this connection
    (``epoch``) for a live stream."""
    epoch: int
    """Connection number (0 for files); the media clock restarts with each connection."""
    captured_at: datetime | None
    """UTC wall-clock time for live sources; None for files, which only have media time."""
    is_keyframe: bool
    image_bgr: ImageBGR | None
    """The decoded picture, or None when the consumer asked for timestamps only."""

    @property
    def clock_s(self) -> float:
        """Seconds on the clock analysis runs on: UTC epoch seconds live, media seconds else."""
        return self.captured_at.timestamp() if self.captured_at is not None else self.media_time_s

    @property
    def timestamp(self) -> datetime | float:
        """What incidents use as this frame's time: UTC for live sources, media seconds else."""
        return self.captured_at if self.captured_at is not None else self.media_time_s


class StreamTemplate:
    """Codec parameters of one connection's video stream, detached from its input container.

    The input container closes on reconnect; buffered packets must still be muxable and
    decodable afterwards, so the parameters are copied into a never-started in-memory output
    container that lives as long as this object.
    """

    def __init__(self, stream: VideoStream, container_format: str = "") -> None:
        ctx = stream.codec_context
        self.container_format = container_format
        """Demuxer name (``avi``, ``mpegts``…); AVI has no real presentation stamps."""
        self.codec_name: str = ctx.name
        self.pix_fmt: str | None = ctx.pix_fmt
        self.width: int = ctx.width
        self.height: int = ctx.height
        self.profile: str | None = ctx.profile
        self.extradata: bytes | None = ctx.extradata
        self.time_base: Fraction = stream.time_base or Fraction(1, 90000)
        rate = stream.average_rate or stream.guessed_rate
        self.average_rate: Fraction | None = Fraction(rate) if rate else None
        self._holder, self._stream = _hold(stream)

    def add_to(self, output: OutputContainer) -> VideoStream:
        """A stream in ``output`` that takes this template's packets as they are (remux)."""
        stream: VideoStream = output.add_stream_from_template(self._stream)
        return stream

    def create_decoder(self, threads: int = 0) -> VideoCodecContext:
        """A fresh decoder for this template's packets."""
        decoder = CodecContext.create(self.codec_name, "r")
        assert isinstance(decoder, VideoCodecContext)
        if self.extradata:
            decoder.extradata = self.extradata
        decoder.width = self.width
        decoder.height = self.height
        decoder.thread_count = threads
        return decoder


# NUT takes nearly every codec (Matroska refuses PNG); image2 takes the stills NUT refuses (BMP).
HOLDER_FORMATS = ("nut", "image2", "matroska")


def _hold(stream: VideoStream) -> tuple[OutputContainer, VideoStream]:
    """A never-started in-memory container holding a copy of ``stream``'s parameters."""
    for format_name in HOLDER_FORMATS:
        holder = av.open(io.BytesIO(), "w", format=format_name)
        try:
            return holder, holder.add_stream_from_template(stream)
        except ValueError:
            holder.close()
    raise ValueError(f"no container can hold the {stream.codec_context.name} codec's parameters")


@dataclass(frozen=True, eq=False)
class EncodedPacket:
    """One compressed video packet exactly as demuxed, kept for evidence clips."""

    data: bytes
    pts: int
    """Presentation timestamp in ``time_base`` units."""
    dts: int | None
    duration: int
    time_base: Fraction
    is_keyframe: bool
    epoch: int
    """Connection number; packets of different epochs have unrelated clocks and codecs."""
    media_time_s: float
    """Presentation time in seconds on the same clock as ``Frame.media_time_s``."""
    template: StreamTemplate

    @property
    def size(self) -> int:
        return len(self.data)


PacketSink = Callable[[EncodedPacket], None]
"""Receives every demuxed video packet, in decode order (the evidence ring buffer)."""
