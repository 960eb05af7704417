"""Ingest benchmark: decode cost per sampling mode and evidence-clip cost, on a 1080p clip.

Run from the repository root::

    .venv/bin/python benchmarks/ingest.py [--seconds 20] [--out var/bench] [--repeats 3]
                                          [--crf 18]

It renders (once, then cached in ``--out``) a 1920x1080, 25 fps H.264 clip with a 2 s GOP from
the project's procedural street, reads it through ``create_source`` exactly as a camera would,
and cuts an evidence clip from a ``PacketRingBuffer`` by remux and by transcode. All cases run
interleaved, ``--repeats`` times each, and the median is reported, as the machine may be shared.
The Markdown tables go to stdout and to ``<out>/results.md``; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from fractions import Fraction
from functools import partial
from pathlib import Path

import av
import numpy as np

from detector.demo.encode import write_video
from detector.demo.street import StreetScript, render_frames
from detector.evidence.clip import ClipMethod, _transcode, write_clip
from detector.evidence.ring_buffer import PacketRingBuffer
from detector.sources.config import CameraConfig, SamplingConfig
from detector.sources.factory import create_source
from detector.sources.frames import EncodedPacket
from detector.sources.sampling import SamplingMode

WIDTH, HEIGHT, FPS, GOP_FRAMES = 1920, 1080, 25, 50
RATE_FPS = 1.0
DECODE_BUFFER_S = 30.0
"""Ring buffer capacity in the decode row with the buffer attached (the camera default)."""
CLIP_BUFFER_S = 60.0
CLIP_S = 20.0
"""Length of the evidence clip cut from the buffer (or the whole clip, if shorter)."""


@dataclass(frozen=True)
class DecodeCase:
    name: str
    mode: SamplingMode
    want_images: bool = True
    with_buffer: bool = False


DECODE_CASES = (
    DecodeCase("all", SamplingMode.ALL),
    DecodeCase("all, want_images=False", SamplingMode.ALL, want_images=False),
    DecodeCase(f"rate ({RATE_FPS:g} fps)", SamplingMode.RATE),
    DecodeCase("keyframes", SamplingMode.KEYFRAMES),
    DecodeCase(
        f"keyframes + ring buffer ({DECODE_BUFFER_S:g} s)", SamplingMode.KEYFRAMES, with_buffer=True
    ),
)


@dataclass(frozen=True)
class Sample:
    wall_s: float
    cpu_s: float
    count: int
    """Frames delivered (decode) or frames in the written file (clip)."""
    minor_faults: int = 0
    """Minor page faults of this process during the work (fresh memory pages touched)."""


@dataclass(frozen=True)
class VideoFacts:
    path: Path
    frames: int
    media_s: float
    size_bytes: int
    codec: str
    keyframes: int


def log(message: str) -> None:
    sys.stderr.write(f"[bench] {message}\n")
    sys.stderr.flush()


def timed(work: Callable[[], int]) -> Sample:
    """Wall and process CPU seconds of ``work``, which returns the count to report."""
    faults0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    wall0, cpu0 = time.perf_counter(), time.process_time()
    count = work()
    wall_s, cpu_s = time.perf_counter() - wall0, time.process_time() - cpu0
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults0
    return Sample(wall_s, cpu_s, count, faults)


def make_clip(out: Path, seconds: float, crf: int) -> Path:
    """The benchmark clip, rendered and encoded unless a clip of these parameters is cached."""
    path = out / f"street_{WIDTH}x{HEIGHT}_{FPS}fps_gop{GOP_FRAMES}_crf{crf}_{seconds:g}s.mp4"
    if path.exists():
        log(f"re-using {path}")
        return path
    script = StreetScript(duration_s=seconds, fps=FPS, width=WIDTH, height=HEIGHT)
    log(f"rendering and encoding {script.frame_count} frames to {path} (done once, cached)")
    partial = path.with_name(f".partial-{path.name}")
    sample = timed(
        lambda: write_video(render_frames(script), partial, fps=FPS, gop_frames=GOP_FRAMES, crf=crf)
    )
    partial.replace(path)
    log(f"wrote {sample.count} frames in {sample.wall_s:.1f} s")
    return path


def probe(path: Path) -> VideoFacts:
    """Frame and key-frame counts by demuxing (no decoding), duration from the frame rate."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        rate = stream.average_rate or stream.guessed_rate or Fraction(FPS)
        codec = stream.codec_context.name
        frames = keyframes = 0
        for packet in container.demux(stream):
            if packet.size:
                frames += 1
                keyframes += bool(packet.is_keyframe)
    return VideoFacts(path, frames, float(frames / rate), path.stat().st_size, codec, keyframes)


def camera(path: Path, mode: SamplingMode) -> CameraConfig:
    sampling = SamplingConfig(mode=mode, rate_fps=RATE_FPS)
    return CameraConfig(id="bench", source=str(path), sampling=sampling, decoder_threads=1)


def decode(path: Path, case: DecodeCase) -> int:
    """Read ``path`` as a camera would; returns the frames delivered to analysis."""
    buffer = PacketRingBuffer(DECODE_BUFFER_S) if case.with_buffer else None
    source = create_source(
        camera(path, case.mode), packet_sink=buffer, want_images=case.want_images
    )
    delivered = 0
    for frame in source.frames():
        if case.want_images and frame.image_bgr is None:
            raise RuntimeError(f"{case.name}: frame {frame.index} came without an image")
        delivered += 1
    return delivered


def buffered_window(path: Path, media_s: float) -> list[EncodedPacket]:
    """Packets for the evidence clip: the source fills a 60 s ring buffer, then a window."""
    buffer = PacketRingBuffer(CLIP_BUFFER_S)
    source = create_source(camera(path, SamplingMode.KEYFRAMES), packet_sink=buffer)
    for _ in source.frames():
        pass
    log(
        f"ring buffer: {len(buffer)} packets, {buffer.size_bytes / 1e6:.1f} MB, "
        f"{buffer.span_s:.2f} s"
    )
    return buffer.window(epoch=0, start_s=0.0, end_s=min(CLIP_S, media_s))


def remux(packets: Sequence[EncodedPacket], path: Path) -> int:
    """The production path for H.264 sources: ``write_clip``, which must choose remux here."""
    info = write_clip(packets, path)
    if info.method is not ClipMethod.REMUX:
        raise RuntimeError(f"write_clip chose {info.method} for an H.264 source")
    return info.packets


def transcode(packets: Sequence[EncodedPacket], path: Path) -> int:
    """The path ``write_clip`` takes for MPEG-4, MJPEG and HEVC sources, forced here."""
    _transcode(packets, path)
    return len(packets)


CLIP_WRITERS: dict[str, Callable[[Sequence[EncodedPacket], Path], int]] = {
    ClipMethod.REMUX.value: remux,
    ClipMethod.TRANSCODE.value: transcode,
}


def run_decode(path: Path, repeats: int) -> dict[str, list[Sample]]:
    samples: dict[str, list[Sample]] = {case.name: [] for case in DECODE_CASES}
    for rep in range(1, repeats + 1):
        for case in DECODE_CASES:
            sample = timed(partial(decode, path, case))
            samples[case.name].append(sample)
            log(
                f"decode {rep}/{repeats} {case.name}: {sample.wall_s:.2f} s wall, "
                f"{sample.cpu_s:.2f} s CPU, {sample.count} frames, "
                f"{sample.minor_faults} minor page faults"
            )
    return samples


def run_clips(packets: Sequence[EncodedPacket], out: Path, repeats: int) -> dict[str, list[Sample]]:
    samples: dict[str, list[Sample]] = {name: [] for name in CLIP_WRITERS}
    for rep in range(1, repeats + 1):
        for name, writer in CLIP_WRITERS.items():
            path = out / f"evidence_{name}.mp4"
            path.unlink(missing_ok=True)
            sample = timed(partial(writer, packets, path))
            frames = probe(path).frames
            samples[name].append(Sample(sample.wall_s, sample.cpu_s, frames, sample.minor_faults))
            log(
                f"clip {rep}/{repeats} {name}: {sample.wall_s:.3f} s wall, "
                f"{sample.cpu_s:.3f} s CPU, {frames} frames written"
            )
    return samples


def cpu_model() -> str:
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        return platform.processor() or "unknown"
    names = [line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")]
    return names[0] if names else platform.processor() or "unknown"


def environment(facts: VideoFacts, repeats: int) -> list[str]:
    mbit_s = facts.size_bytes * 8 / facts.media_s / 1e6
    return [
        f"- Run: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {repeats} repetitions per case, "
        "interleaved; figures are medians",
        f"- CPU: {len(os.sched_getaffinity(0))} usable cores (nproc), {cpu_model()}",
        f"- Python {platform.python_version()}, PyAV {av.__version__}, "
        f"FFmpeg {av.ffmpeg_version_info}, NumPy {np.__version__}",
        f"- Clip: {facts.path.name}: {facts.codec} {WIDTH}x{HEIGHT}, {FPS} fps, "
        f"GOP {GOP_FRAMES} frames, {facts.frames} frames ({facts.keyframes} key frames), "
        f"{facts.media_s:.2f} s, {facts.size_bytes / 1e6:.1f} MB ({mbit_s:.1f} Mbit/s)",
    ]


def med(samples: Sequence[Sample], field: str) -> float:
    return statistics.median(float(getattr(sample, field)) for sample in samples)


def spread(samples: Sequence[Sample], digits: int = 2) -> str:
    walls = [sample.wall_s for sample in samples]
    return f"{min(walls):.{digits}f}–{max(walls):.{digits}f}"


def decode_table(samples: dict[str, list[Sample]], media_s: float) -> list[str]:
    lines = [
        "| Mode | Frames delivered | Wall s | Wall s (min–max) | CPU s | Real-time factor "
        "| 1080p cameras per core | Minor page faults |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, runs in samples.items():
        wall, cpu = med(runs, "wall_s"), med(runs, "cpu_s")
        lines.append(
            f"| {name} | {runs[0].count} | {wall:.2f} | {spread(runs)} | {cpu:.2f} "
            f"| {media_s / wall:.1f}× | {media_s / cpu:.1f} | {med(runs, 'minor_faults'):.0f} |"
        )
    return lines


def clip_table(samples: dict[str, list[Sample]], packets: Sequence[EncodedPacket]) -> list[str]:
    span_s = packets[-1].media_time_s - packets[0].media_time_s if packets else 0.0
    lines = [
        f"Evidence clip: {len(packets)} packets from the ring buffer, "
        f"media {packets[0].media_time_s:.2f}–{max(p.media_time_s for p in packets):.2f} s "
        f"(decode-order span {span_s:.2f} s).",
        "",
        "| Method | Frames written | Wall s | Wall s (min–max) | CPU s |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, runs in samples.items():
        wall, cpu = med(runs, "wall_s"), med(runs, "cpu_s")
        lines.append(f"| {name} | {runs[0].count} | {wall:.3f} | {spread(runs, 3)} | {cpu:.3f} |")
    remux, trans = samples[ClipMethod.REMUX.value], samples[ClipMethod.TRANSCODE.value]
    lines += [
        "",
        f"Transcode / remux: {med(trans, 'wall_s') / med(remux, 'wall_s'):.0f}× wall time, "
        f"{med(trans, 'cpu_s') / med(remux, 'cpu_s'):.0f}× CPU time.",
    ]
    return lines


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=20.0, help="clip length (default 20)")
    parser.add_argument("--out", type=Path, default=Path("var/bench"), help="cache and results")
    parser.add_argument(
        "--crf", type=int, default=18, help="x264 CRF of the clip (default 18: about 2 Mbit/s)"
    )
    parser.add_argument("--repeats", type=int, default=3, help="runs per case (default 3)")
    args = parser.parse_args(argv)
    if args.seconds <= 0 or args.repeats < 1:
        parser.error("--seconds must be positive and --repeats at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    facts = probe(make_clip(out, args.seconds, args.crf))
    packets = buffered_window(facts.path, facts.media_s)
    decode_samples = run_decode(facts.path, args.repeats)
    clip_samples = run_clips(packets, out, args.repeats)
    lines = [
        "# Ingest benchmark",
        "",
        *environment(facts, args.repeats),
        "",
        "## Decode (decoder_threads=1, one camera)",
        "",
        *decode_table(decode_samples, facts.media_s),
        "",
        "## Evidence clip",
        "",
        *clip_table(clip_samples, packets),
        "",
    ]
    report = "\n".join(lines)
    (out / "results.md").write_text(report)
    sys.stdout.write(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
