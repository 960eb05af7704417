"""Evidence clips that play in any browser: remux H.264, transcode everything else."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from pathlib import Path

import av
import av.error
from av.video.codeccontext import VideoCodecContext
from av.video.frame import VideoFrame

from detector.errors import EvidenceError
from detector.sources.frames import EncodedPacket, StreamTemplate
from detector.sources.sampling import BestEffortTimestamp

log = logging.getLogger(__name__)

BROWSER_PIX_FMTS = frozenset({"yuv420p", "yuvj420p"})
# Profiles of H.264 that browsers decline: 10-bit and chroma beyond 4:2:0.
BROWSER_BLOCKED_PROFILES = ("High 10", "High 4:2:2", "High 4:4:4")
MP4_OPTIONS = {"movflags": "+faststart"}
"""Index (moov) at the front, so a browser starts playing before the whole file arrives."""


class ClipMethod(StrEnum):
    REMUX = "remux"
    TRANSCODE = "transcode"


@dataclass(frozen=True)
class ClipInfo:
    """What was written, in the source's media seconds."""

    path: Path
    method: ClipMethod
    source_codec: str
    start_media_s: float
    """Presentation time of the clip's first frame (a key frame)."""
    end_media_s: float
    """Presentation time of its last frame."""
    packets: int

    @property
    def duration_s(self) -> float:
        return self.end_media_s - self.start_media_s


def browser_playable(template: StreamTemplate) -> bool:
    """Whether packets of this stream can go into an MP4 that browsers play, as they are."""
    if template.codec_name != "h264" or template.pix_fmt not in BROWSER_PIX_FMTS:
        return False
    if template.container_format == "avi":
        # AVI stores decode order only; its "pts" would put B-frames out of order in MP4.
        return False
    return not (template.profile or "").startswith(BROWSER_BLOCKED_PROFILES)


def decodes_alone(packet: EncodedPacket) -> bool:
    """Whether ``packet`` is a true intra picture: it decodes without any earlier packet."""
    decoder = packet.template.create_decoder(threads=1)
    av_packet = av.Packet(packet.data)
    av_packet.pts, av_packet.dts, av_packet.time_base = packet.pts, packet.dts, packet.time_base
    try:
        frames = [*decoder.decode(av_packet), *decoder.decode(None)]
    except av.error.FFmpegError:
        return False
    return any(frame.key_frame and not frame.is_corrupt for frame in frames)


def write_clip(packets: Sequence[EncodedPacket], path: Path) -> ClipInfo:
    """Write ``packets`` (decode order, starting at a key frame) as an MP4 at ``path``."""
    if not packets:
        raise EvidenceError(f"no video buffered for the clip {path.name}")
    template = packets[0].template
    method = ClipMethod.REMUX if browser_playable(template) else ClipMethod.TRANSCODE
    try:
        if method is ClipMethod.REMUX:
            _remux(packets, path)
        else:
            _transcode(packets, path)
    except (av.error.FFmpegError, OSError) as exc:
        raise EvidenceError(f"cannot write clip {path}: {exc}") from None
    times = [packet.media_time_s for packet in packets]
    return ClipInfo(path, method, template.codec_name, times[0], max(times), len(packets))


def _remux(packets: Sequence[EncodedPacket], path: Path) -> None:
    template = packets[0].template
    # The key frame's picture becomes time 0; B-frame streams then get negative decode stamps,
    # which the MP4 muxer keeps in an edit list.
    base = packets[0].pts
    with av.open(str(path), "w", format="mp4", options=MP4_OPTIONS) as output:
        stream = template.add_to(output)
        for item in packets:
            packet = av.Packet(item.data)
            packet.pts = item.pts - base
            packet.dts = None if item.dts is None else item.dts - base
            packet.duration = item.duration
            packet.time_base = item.time_base
            packet.is_keyframe = item.is_keyframe
            packet.stream = stream
            output.mux(packet)


def _decoded_frames(
    packets: Sequence[EncodedPacket], decoder: VideoCodecContext
) -> Iterator[VideoFrame]:
    """Decoded pictures from the first true key frame on; broken packets are skipped."""
    started = False
    for item in [*packets, None]:
        packet = None if item is None else av.Packet(item.data)
        if packet is not None and item is not None:
            packet.pts, packet.dts, packet.time_base = item.pts, item.dts, item.time_base
        try:
            frames = decoder.decode(packet)
        except av.error.InvalidDataError as exc:
            log.debug("clip: skipped undecodable packet: %s", exc)
            continue
        for frame in frames:
            # Some containers flag packets as key frames that are not intra pictures.
            started = started or (frame.key_frame and not frame.is_corrupt)
            if started:
                yield frame


def _transcode(packets: Sequence[EncodedPacket], path: Path) -> None:
    template = packets[0].template
    time_base: Fraction = template.time_base
    decoder = template.create_decoder()
    width, height = template.width - template.width % 2, template.height - template.height % 2
    clock = BestEffortTimestamp()
    with av.open(str(path), "w", format="mp4", options=MP4_OPTIONS) as output:
        stream = output.add_stream("libx264", rate=template.average_rate or Fraction(25))
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.codec_context.time_base = time_base
        stream.codec_context.options = {"preset": "veryfast", "crf": "23"}
        first_pts: int | None = None
        last_pts = -1
        for frame in _decoded_frames(packets, decoder):
            pts = clock(frame.pts, frame.dts)
            pts = last_pts + 1 if pts is None else pts
            first_pts = pts if first_pts is None else first_pts
            # x264 rejects repeated or backward stamps, which broken files do produce.
            last_pts = max(pts - first_pts, last_pts + 1)
            out_frame = frame.reformat(width=width, height=height, format="yuv420p")
            out_frame.pts, out_frame.time_base = last_pts, time_base
            output.mux(stream.encode(out_frame))
        if first_pts is None:
            raise EvidenceError(f"no decodable picture for the clip {path.name}")
        output.mux(stream.encode(None))
