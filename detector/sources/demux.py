"""Reads one opened container: every packet to the evidence sink, sampled frames to analysis."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from typing import Protocol, cast

import av
import av.error
from av.container import InputContainer
from av.video.frame import VideoFrame
from av.video.reformatter import VideoReformatter
from av.video.stream import VideoStream

from detector.sources.frames import EncodedPacket, Frame, ImageBGR, PacketSink, StreamTemplate
from detector.sources.health import utc_now
from detector.sources.sampling import BestEffortTimestamp, RateSampler, SamplingMode

log = logging.getLogger(__name__)

# A live stream's media clock may run ahead of or behind the wall clock (bursts after a
# reconnect, encoder clocks that drift); past this gap the anchor is reset to "now".
MAX_CLOCK_DRIFT_S = 2.0
# A stamp this far ahead of, or behind, the stream's latest is a discontinuity (an encoder
# restart, an MPEG-TS clock wrap), not reordering: the media clock starts a new epoch there.
JUMP_FORWARD_S = 30.0
JUMP_BACKWARD_S = 5.0


@dataclass(frozen=True)
class ReadOptions:
    """How a reader samples and decodes; shared by all connections of one camera."""

    camera_id: str
    mode: SamplingMode
    rate_fps: float
    want_images: bool = True
    decoder_threads: int = 1


class FrameClock(Protocol):
    """Gives sampled frames their UTC time (``Frame.captured_at``)."""

    def at(self, media_time_s: float) -> datetime: ...


class RecordingClock:
    """A recording's media time on the UTC clock: its first frame was taken at ``started_at``."""

    def __init__(self, started_at: datetime) -> None:
        if started_at.tzinfo is None:
            raise ValueError("started_at must be timezone-aware")
        self._base = started_at.astimezone(UTC)
        self._last: datetime | None = None

    def at(self, media_time_s: float) -> datetime:
        """UTC time of the frame at ``media_time_s``; never earlier than the previous one (a
        file whose clock restarts, a new epoch, goes on from where it was)."""
        mapped = self._base + timedelta(seconds=media_time_s)
        if self._last is not None and mapped < self._last:
            self._base += self._last - mapped
            mapped = self._last
        self._last = mapped
        return mapped


class WallClockAnchor:
    """Maps a live connection's media time to UTC, re-anchoring when the two drift apart."""

    def __init__(self) -> None:
        self._anchor: tuple[datetime, float] | None = None
        self._last: datetime | None = None

    def at(self, media_time_s: float) -> datetime:
        """UTC time of the frame at ``media_time_s``; never earlier than the previous one."""
        now = utc_now()
        mapped = None
        if self._anchor is not None:
            wall, media = self._anchor
            mapped = wall + timedelta(seconds=media_time_s - media)
            if abs((mapped - now).total_seconds()) > MAX_CLOCK_DRIFT_S:
                mapped = None
        if mapped is None:
            self._anchor = (now, media_time_s)
            mapped = now
        if self._last is not None and mapped < self._last:
            mapped = self._last
        self._last = mapped
        return mapped


class StreamReader:
    """Reads the video stream of one open container until it ends or fails.

    Errors while demuxing propagate to the caller (a file source reports them, a live source
    reconnects); a packet that fails to decode is counted and skipped, as one broken packet
    must not end a camera.
    """

    def __init__(
        self,
        container: InputContainer,
        options: ReadOptions,
        *,
        epoch: int = 0,
        first_index: int = 0,
        packet_sink: PacketSink | None = None,
        wall_clock: FrameClock | None = None,
    ) -> None:
        self.container = container
        self.stream: VideoStream = container.streams.video[0]
        self.options = options
        self.epoch = epoch
        self.packet_sink = packet_sink
        self.wall_clock = wall_clock
        self.template = StreamTemplate(self.stream, container.format.name)
        self.packets = 0
        self.frames_decoded = 0
        self.decode_errors = 0
        self.last_media_time_s: float | None = None
        self._first_index = first_index
        self._time_base: Fraction = self.stream.time_base or Fraction(1, 90000)
        # Media time 0 is the first packet's picture, not the container's start_time: AVI
        # with B-frames starts its stamps at 1 and MPEG-TS at an arbitrary clock value.
        self._start_pts: int | None = None
        rate = self.stream.average_rate or self.stream.guessed_rate
        self._frame_duration_s = float(1 / rate) if rate else 0.0
        self._sampler = RateSampler(options.rate_fps)
        self._keyframe_index_by_pts: dict[int, int] = {}
        self._frame_pts = BestEffortTimestamp()
        # One converter for the connection: it keeps its scaler context between frames, and its
        # thread count follows the decoder's so one camera stays on one core.
        self._to_bgr = VideoReformatter()
        self._convert_threads = options.decoder_threads or None
        ctx = self.stream.codec_context
        ctx.thread_count = options.decoder_threads
        if options.mode is SamplingMode.KEYFRAMES:
            ctx.skip_frame = "NONKEY"

    @property
    def next_index(self) -> int:
        """The index the next connection's first frame continues from."""
        return self._first_index + max(self.packets, self.frames_decoded)

    def frames(self) -> Iterator[Frame]:
        for packet in self.container.demux(self.stream):
            if packet.size:
                self._keep(packet)
            try:
                decoded = packet.decode()
            except av.error.InvalidDataError as exc:
                self.decode_errors += 1
                log.debug("camera %s: skipped undecodable packet: %s", self.options.camera_id, exc)
                continue
            for video_frame in decoded:
                frame = self._accept(video_frame)
                if frame is not None:
                    yield frame

    def _media_time_s(self, pts: int) -> float:
        if self._start_pts is None:
            self._start_pts = pts
        return float((pts - self._start_pts) * self._time_base)

    def _keep(self, packet: av.Packet[VideoStream]) -> None:
        pts = packet.pts if packet.pts is not None else packet.dts
        if pts is None:
            pts = self._guess_pts()
        media_time_s = self._media_time_s(pts)
        last = self.last_media_time_s
        if last is not None and not -JUMP_BACKWARD_S < media_time_s - last < JUMP_FORWARD_S:
            log.warning(
                "camera %s: media clock jumped from %.1f s to %.1f s; starting epoch %d",
                self.options.camera_id,
                last,
                media_time_s,
                self.epoch + 1,
            )
            self.epoch += 1
            self._start_pts = pts
            self._sampler.reset()
            self._frame_pts = BestEffortTimestamp()
            self.last_media_time_s = None
            media_time_s = 0.0
        if packet.is_keyframe and self.options.mode is SamplingMode.KEYFRAMES:
            self._keyframe_index_by_pts[pts] = self._first_index + self.packets
        self.packets += 1
        self.last_media_time_s = max(self.last_media_time_s or media_time_s, media_time_s)
        if self.packet_sink is not None:
            self.packet_sink(
                EncodedPacket(
                    data=bytes(packet),
                    pts=pts,
                    dts=packet.dts,
                    duration=packet.duration or 0,
                    time_base=self._time_base,
                    is_keyframe=packet.is_keyframe,
                    epoch=self.epoch,
                    media_time_s=media_time_s,
                    template=self.template,
                )
            )

    def _guess_pts(self) -> int:
        if self.last_media_time_s is None or not self._frame_duration_s:
            return self._start_pts or 0
        next_s = self.last_media_time_s + self._frame_duration_s
        return (self._start_pts or 0) + round(next_s / self._time_base)

    def _accept(self, video_frame: VideoFrame) -> Frame | None:
        mode = self.options.mode
        if mode is SamplingMode.KEYFRAMES:
            index = self._keyframe_index_by_pts.pop(
                video_frame.pts if video_frame.pts is not None else -1,
                self._first_index + self.packets - 1,
            )
        else:
            index = self._first_index + self.frames_decoded
        self.frames_decoded += 1
        pts = self._frame_pts(video_frame.pts, video_frame.dts)
        if pts is not None:
            media_time_s = self._media_time_s(pts)
        else:
            media_time_s = (index - self._first_index) * self._frame_duration_s
        if mode is SamplingMode.RATE and not self._sampler.accept(
            media_time_s, self._frame_duration_s
        ):
            return None
        image: ImageBGR | None = None
        if self.options.want_images:
            bgr = self._to_bgr.reformat(video_frame, format="bgr24", threads=self._convert_threads)
            image = cast("ImageBGR", bgr.to_ndarray())
        captured_at = self.wall_clock.at(media_time_s) if self.wall_clock else None
        return Frame(
            camera_id=self.options.camera_id,
            index=index,
            media_time_s=media_time_s,
            epoch=self.epoch,
            captured_at=captured_at,
            is_keyframe=bool(video_frame.key_frame),
            image_bgr=image,
        )
