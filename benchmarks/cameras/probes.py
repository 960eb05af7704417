"""Figures measured outside the paced watch: YOLOv5n time per frame, split into the part a GPU
would take over and the part that stays on the CPU; and the evidence bundle per incident."""

from __future__ import annotations

import functools
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from detector.evidence.bundle import Provenance, write_bundle
from detector.evidence.clip import decodes_alone
from detector.evidence.ring_buffer import PacketRingBuffer
from detector.incidents.record import IncidentRecord
from detector.outbox.client import bundle_archive
from detector.outbox.messages import BundleRef
from detector.sources.config import CameraConfig, SamplingConfig
from detector.sources.factory import create_source
from detector.sources.frames import Frame
from detector.sources.sampling import SamplingMode

T = TypeVar("T")
PARTS = ("analyze", "letterbox", "forward", "nms")


def keyframes(clip: Path, *, sink: Callable[[Any], None] | None = None) -> list[Frame]:
    """Every key frame of ``clip`` decoded to BGR, as a ``sampling: keyframes`` camera gets them."""
    camera = CameraConfig(
        id="bench", source=str(clip), sampling=SamplingConfig(mode=SamplingMode.KEYFRAMES)
    )
    return list(create_source(camera, packet_sink=sink).frames())


def _timed(call: Callable[[], object]) -> tuple[float, float]:
    """(wall ms, CPU ms) of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    call()
    return (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000


def _each(items: Sequence[T], call: Callable[[T], object]) -> list[tuple[float, float]]:
    """(wall ms, CPU ms) of ``call`` on each item in turn."""
    return [_timed(functools.partial(call, item)) for item in items]


def _since(start: tuple[float, float]) -> tuple[float, float]:
    """(wall ms, CPU ms) since ``start`` = (perf_counter, process_time)."""
    return (time.perf_counter() - start[0]) * 1000, (time.process_time() - start[1]) * 1000


def _median(pairs: list[tuple[float, float]]) -> dict[str, float]:
    return {
        "wall_ms": statistics.median(w for w, _ in pairs),
        "cpu_ms": statistics.median(c for _, c in pairs),
    }


def decode_cost(clip: Path) -> dict[str, float]:
    """CPU to read ``clip`` as a keyframes camera does (every packet into a 30 s evidence
    buffer, key frames decoded to BGR), per key frame and per media second."""
    buffer = PacketRingBuffer(30.0)
    wall, cpu = time.perf_counter(), time.process_time()
    frames = keyframes(clip, sink=buffer)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    media_s = frames[-1].media_time_s + 1.0
    return {
        "keyframes": len(frames),
        "cpu_ms_per_keyframe": cpu * 1000 / len(frames),
        "wall_ms_per_keyframe": wall * 1000 / len(frames),
        "cpu_ms_per_media_s": cpu * 1000 / media_s,
        "buffer_bytes_30s": buffer.size_bytes,
    }


def yolo_split(model: Path, clip: Path, batch: int = 8) -> dict[str, Any]:
    """YOLOv5n per frame on one torch thread: the whole analyzer call, and its parts.

    ``forward`` is the network alone (what a GPU would run); ``letterbox`` (resize, pad, to a
    tensor) and ``nms`` (box selection) stay on the CPU of the camera's node unless moved too;
    ``tracking and class map`` is the rest of ``ObjectsAnalyzer.analyze``. ``batched forward``
    runs ``batch`` letterboxed frames as one tensor, per frame.
    """
    import torch

    from detector.analyzers.objects import ObjectsAnalyzer, ObjectsConfig
    from detector.analyzers.objects.inference import YoloV5Detector, letterbox, select_boxes

    torch.set_num_threads(1)
    analyzer = ObjectsAnalyzer(ObjectsConfig(model_path=model, runtime="pytorch"))
    detector = analyzer.detector
    assert isinstance(detector, YoloV5Detector)
    settings = analyzer.settings
    frames = keyframes(clip)
    images = [f.image_bgr for f in frames if f.image_bgr is not None]
    analyzer.analyze(frames[0])  # first call: allocator and kernels warm up, untimed
    timings: dict[str, list[tuple[float, float]]] = {p: [] for p in PARTS}
    boxes = []
    with torch.inference_mode():
        # Frame by frame, every part in turn, so that a busy spell on the shared machine
        # slows all parts alike instead of one.
        for frame, image in zip(frames[1:], images[1:], strict=True):
            start = time.perf_counter(), time.process_time()
            boxes.append(len(analyzer.analyze(frame)))
            timings["analyze"].append(_since(start))
            start = time.perf_counter(), time.process_time()
            tensor = letterbox(image, settings.imgsz)[0]
            timings["letterbox"].append(_since(start))
            start = time.perf_counter(), time.process_time()
            output = detector.network(tensor)[0]
            timings["forward"].append(_since(start))
            start = time.perf_counter(), time.process_time()
            select_boxes(output, settings)
            timings["nms"].append(_since(start))
        tensors = [letterbox(image, settings.imgsz)[0] for image in images]
        groups = [tensors[i : i + batch] for i in range(0, len(tensors) - batch + 1, batch)]
        batched = _each(groups, lambda group: detector.network(torch.cat(group)))
    parts = {name: _median(values) for name, values in timings.items()}
    rest = [
        tuple(a - lb - f - n for a, lb, f, n in zip(*row, strict=True))
        for row in zip(*timings.values(), strict=True)
    ]
    parts["tracking and class map"] = _median([(w, c) for w, c in rest])
    per_frame = [(w / batch, c / batch) for w, c in batched]
    return {
        "frames": len(boxes),
        "input": list(tensors[0].shape),
        "boxes_per_frame": statistics.mean(boxes) if boxes else 0.0,
        "parts": parts,
        "batched_forward": {"batch": batch, "groups": len(groups), **_median(per_frame)},
    }


def bundle_cost(clip: Path, root: Path, repeats: int = 3, moment_s: float = 12.0) -> dict[str, Any]:
    """One incident's evidence bundle from ``clip``'s packets, written as the camera's recorder
    writes it (10 s before and after the moment, the default pre- and post-roll)."""
    buffer = PacketRingBuffer(120.0)
    frames = keyframes(clip, sink=buffer)
    frame = min(frames, key=lambda f: abs(f.media_time_s - moment_s))
    assert frame.image_bgr is not None
    packets = buffer.window(
        0, frame.media_time_s - 10.0, frame.media_time_s + 10.0, start_ok=decodes_alone
    )
    runs, sizes, tars = [], [], []
    for i in range(repeats):
        incident = IncidentRecord(
            id=f"bench-{clip.stem}-{i}",
            camera="bench",
            type="clutter",
            box_xyxy=(40.0, 60.0, 120.0, 150.0),
            score=0.9,
            raised_s=frame.media_time_s,
        )
        wall, cpu = time.perf_counter(), time.process_time()
        bundle = write_bundle(
            root, incident, frame.image_bgr, packets, Provenance(), frame.media_time_s
        )
        runs.append(((time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000))
        sizes.append(sum(p.stat().st_size for p in bundle.path.iterdir()))
        ref = BundleRef(path=bundle.path, manifest_sha256=bundle.manifest_sha256)
        tars.append(len(bundle_archive(ref)))
    files = {p.name: p.stat().st_size for p in bundle.path.iterdir()}
    return {
        "clip": str(clip),
        "packets": len(packets),
        "clip_s": packets[-1].media_time_s - packets[0].media_time_s,
        "bundle_bytes": statistics.median(sizes),
        "tar_bytes": statistics.median(tars),
        "files": files,
        **_median(runs),
    }
