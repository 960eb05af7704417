"""Which runtime runs a ``.pt`` model: PyTorch, or its ONNX or OpenVINO export beside it.

``streetorder export MODEL.pt`` writes ``MODEL.onnx`` and ``MODEL_openvino_model/`` next to the
weights. With ``runtime: auto`` (the default) the objects analyzer opens every usable one, times
each as it will run (``detect`` on a blank 16:9 frame, the usual camera shape, at the configured
``imgsz``: one warm-up, then the fastest of five), keeps the fastest and drops the others.
Timings within ``TIE_MARGIN`` (10 %) of the fastest count as a tie, settled by ``PREFERENCE``:
PyTorch first (the reference every export is checked against), then OpenVINO, then ONNX
Runtime. The choice is remembered for the process (per weights file, its modification time and
the input size), so the cameras of a ``watch`` run time it once.

On a GPU (``device: cuda`` or ``auto`` where torch sees one) only the runtimes that can use it
take part: PyTorch, and ONNX Runtime with its CUDA execution provider; OpenVINO runs on the CPU
only here (``device.runtime_device_problem``).

Timing beats a fixed order because the runtimes do different work: PyTorch letterboxes to the
next multiple of 32 (a 16:9 frame runs at 640×384), a fixed-size export always runs the full
640×640 square, and OpenVINO picks bf16 on CPUs that have it. Measured on this project's 2-core
CPU (Xeon with AMX, shared with two training runs), facade model at 640, through ``detect``,
three start-ups: OpenVINO 25–49 ms (bf16), PyTorch 52–66 ms (640×384), ONNX Runtime 107–136 ms
(640×640); each chose OpenVINO.

An export is usable only if it is no older than the ``.pt`` (else it may hold the weights of a
previous training) and was exported at the configured ``imgsz`` (a fixed-size export would
silently run at its own size). ``runtime: pytorch|onnx|openvino`` picks one explicitly; an
unusable or missing export is then an error. A ``.pt`` is still checked before it is loaded
(``backends.open_detector``).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Literal, get_args

import numpy as np
import yaml

from detector.analyzers.objects.backends import Detector, is_openvino_folder, open_detector
from detector.analyzers.objects.config import ObjectsConfig
from detector.analyzers.objects.device import resolve_device, runtime_device_problem
from detector.analyzers.objects.errors import ModelError
from detector.analyzers.objects.settings import InferenceSettings

log = logging.getLogger(__name__)

Runtime = Literal["pytorch", "onnx", "openvino"]
RUNTIMES: tuple[Runtime, ...] = get_args(Runtime)
PREFERENCE: tuple[Runtime, ...] = ("pytorch", "openvino", "onnx")
"""Tie-break order: the reference first, then the exports by their speed measured here."""
TIE_MARGIN = 0.10

Opener = Callable[[Path, str], Detector]
"""Opens a model file or folder on a device (``backends.open_detector``)."""
Timer = Callable[[Detector, InferenceSettings], float]

_CHOSEN: dict[tuple[str, int, int, str], Runtime] = {}
"""(weights, mtime_ns, imgsz, device) → the runtime auto chose: timed once per process."""


def export_of(pt: Path, runtime: Runtime) -> Path:
    """Where ``streetorder export`` (Ultralytics) puts ``pt``'s export for ``runtime``."""
    if runtime == "onnx":
        return pt.with_suffix(".onnx")
    if runtime == "openvino":
        return pt.with_name(f"{pt.stem}_openvino_model")
    return pt


def runtime_of(path: Path) -> Runtime:
    """The runtime a model file or folder needs."""
    if path.suffix.lower() == ".onnx":
        return "onnx"
    return "openvino" if path.is_dir() else "pytorch"


def export_imgsz(path: Path) -> int | None:
    """The fixed input size an export was made for, from its metadata (None if unknown)."""
    try:
        if path.suffix.lower() == ".onnx":
            import onnx

            props = {
                p.key: p.value
                for p in onnx.load(str(path), load_external_data=False).metadata_props
            }
            size = json.loads(props.get("imgsz", "null"))
        else:
            size = yaml.safe_load((path / "metadata.yaml").read_text()).get("imgsz")
    except (OSError, ValueError, AttributeError, yaml.YAMLError):
        return None
    return max(size) if isinstance(size, list) and size else None


def unusable_reason(pt: Path, export: Path, imgsz: int) -> str | None:
    """Why ``export`` must not stand in for ``pt`` at ``imgsz``; None if it may."""
    if export.suffix.lower() != ".onnx" and not is_openvino_folder(export):
        return f"{export} holds no OpenVINO model"
    if export.stat().st_mtime < pt.stat().st_mtime:
        return f"{export} is older than {pt.name} (re-export it: streetorder export {pt})"
    size = export_imgsz(export)
    if size != imgsz:
        return f"{export} was exported at imgsz {size}, the config asks for {imgsz}"
    return None


def usable_exports(pt: Path, imgsz: int, device: str = "cpu") -> dict[Runtime, Path]:
    """``pt`` itself and each export beside it that may stand in for it on ``device`` (a
    resolved one: cpu or cuda:N); the others are logged."""
    usable: dict[Runtime, Path] = {"pytorch": pt}
    for runtime in ("onnx", "openvino"):
        export = export_of(pt, runtime)
        if not export.exists():
            continue
        problem = runtime_device_problem(runtime, device)
        reason = f"device {device}: {problem}" if problem else unusable_reason(pt, export, imgsz)
        if reason is None:
            usable[runtime] = export
        else:
            log.warning("%s: not using the %s export: %s", pt, runtime, reason)
    return usable


def fastest(timings: Mapping[Runtime, float], margin: float = TIE_MARGIN) -> Runtime:
    """The runtime with the shortest time; near-ties (within ``margin``) go by PREFERENCE."""
    if not timings:
        raise ValueError("no runtime timed")
    best = min(timings.values())
    return next(r for r in PREFERENCE if r in timings and timings[r] <= best * (1 + margin))


def time_detector(detector: Detector, settings: InferenceSettings, runs: int = 5) -> float:
    """Fastest of ``runs`` frames (blank, 16:9, the configured size) after a warm-up: the
    minimum, because on a shared CPU other work only ever adds time."""
    frame = np.full((settings.imgsz * 9 // 16, settings.imgsz, 3), 114, np.uint8)
    detector.detect(frame, settings)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        detector.detect(frame, settings)
        times.append(time.perf_counter() - start)
    return min(times)


def _settings(config: ObjectsConfig) -> InferenceSettings:
    return InferenceSettings(
        imgsz=config.imgsz,
        min_confidence=config.min_confidence,
        iou_threshold=config.iou_threshold,
        max_detections=config.max_detections,
    )


def _explicit(config: ObjectsConfig, device: str, opener: Opener) -> Detector:
    path, wanted = config.model_path, config.runtime
    assert wanted != "auto"
    if path.suffix.lower() != ".pt":
        if runtime_of(path) != wanted:
            raise ModelError(
                f"{path}: runtime {wanted} asked for, but this is a {runtime_of(path)} model"
            )
        return opener(path, device)
    export = export_of(path, wanted)
    if wanted != "pytorch":
        if not export.exists():
            raise ModelError(
                f"{path}: runtime {wanted} asked for, but {export} does not exist "
                f"(make it: streetorder export {path} --formats {wanted})"
            )
        reason = unusable_reason(path, export, config.imgsz)
        if reason is not None:
            raise ModelError(f"{path}: runtime {wanted}: {reason}")
    return opener(export, device)


def open_runtime(
    config: ObjectsConfig, opener: Opener = open_detector, timer: Timer = time_detector
) -> Detector:
    """The detector for ``config``: its explicit runtime, or with ``auto`` the fastest usable,
    on the configured device (``DeviceError``, one line, if this node lacks it)."""
    path = config.model_path
    device = resolve_device(config.device, path)
    if config.runtime != "auto":
        return _explicit(config, device, opener)
    if path.suffix.lower() != ".pt" or not path.is_file():
        return opener(path, device)  # an export given directly, or a missing file (its error)
    candidates = usable_exports(path, config.imgsz, device)
    key = (str(path.resolve()), path.stat().st_mtime_ns, config.imgsz, device)
    if key in _CHOSEN and _CHOSEN[key] in candidates:
        return opener(candidates[_CHOSEN[key]], device)
    if len(candidates) == 1:
        return opener(path, device)
    timings: dict[Runtime, float] = {}
    detectors: dict[Runtime, Detector] = {}
    for runtime, candidate in candidates.items():
        detectors[runtime] = opener(candidate, device)
        timings[runtime] = timer(detectors[runtime], _settings(config))
    chosen = _CHOSEN[key] = fastest(timings)
    log.info(
        "%s: runtime %s on %s (%s)",
        path,
        chosen,
        device,
        ", ".join(f"{r} {t * 1000:.0f} ms" for r, t in timings.items()),
    )
    return detectors[chosen]
