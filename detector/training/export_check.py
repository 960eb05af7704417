"""Does an export compute what its ``.pt`` computes? Raw outputs on the same letterboxed input.

The check feeds every model the *same* square letterboxed tensor (the exports have a fixed
``imgsz × imgsz`` input) and compares the raw prediction tensors, shape ``(1, 4 + classes,
anchors)``: rows 0–3 are box centre and size in input pixels, the rest class scores in [0, 1].
Comparing before NMS means an untrained model is checked as strictly as a trained one (after
NMS it would have nothing to compare), and one flipped box near the confidence threshold
cannot fail a good export. Final boxes are not compared: Ultralytics runs a ``.pt`` on a
rectangular letterbox and a fixed-size export on a square one, which alone moves scores by
far more than any export error.

Tolerances (both must hold, on every anchor of every test image): class scores within
``SCORE_TOLERANCE`` (0.02) and box coordinates within ``BOX_TOLERANCE_PX`` (1 px of the network
input). Both runtimes are compared in float32 — measured on this project's facade model at 640:
ONNX Runtime max score difference 3e-6, box 2e-4 px; OpenVINO (forced to f32) 5e-6, 3e-4 px. A
broken export (other weights, wrong pre-processing, a missing layer) is off by tenths of a score
and by pixels.

OpenVINO on a CPU with bfloat16 units (AMX, AVX512-BF16) runs in bf16 unless told otherwise,
about twice as fast there (35 against 68 ms for the facade model). That is a runtime
precision, not a property of the file, so it is measured and reported beside the check
(``runtime_*``), not held to the float32 tolerance:
on the facade model's val images its max score difference was 0.075, its box difference
5.5 px over all anchors and 1.4 px over anchors scoring at least 0.25.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import cv2
import numpy as np
import numpy.typing as npt

from detector.errors import StreetOrderError
from detector.sources.frames import ImageBGR

SCORE_TOLERANCE = 0.02
BOX_TOLERANCE_PX = 1.0

Tensor = npt.NDArray[np.float32]
ExportFormat = Literal["onnx", "openvino"]


class ExportError(StreetOrderError):
    """An export cannot be made or checked; the message names the model and the cause."""


class ExportMismatchError(ExportError):
    """An export's outputs differ from its ``.pt``'s beyond the tolerance."""


@dataclass(frozen=True)
class Difference:
    """Largest absolute differences between two models' raw outputs over all test inputs."""

    score: float
    box_px: float

    def within(self, score_tolerance: float, box_tolerance_px: float) -> bool:
        return self.score <= score_tolerance and self.box_px <= box_tolerance_px


@dataclass(frozen=True)
class FormatCheck:
    """One export compared with its ``.pt``."""

    format: ExportFormat
    path: Path
    difference: Difference
    """In float32: what the check holds to the tolerance."""
    runtime_precision: str
    """What the runtime picks on this machine by default (``f32``, ``bf16``…)."""
    runtime_difference: Difference
    """At that default precision: what the analyzer will see."""

    @property
    def ok(self) -> bool:
        return self.difference.within(SCORE_TOLERANCE, BOX_TOLERANCE_PX)


def compare_outputs(reference: Sequence[Tensor], candidate: Sequence[Tensor]) -> Difference:
    """Max |difference| of class scores and of box coordinates, over all inputs and anchors."""
    if len(reference) != len(candidate):
        raise ValueError(f"{len(reference)} reference outputs but {len(candidate)} to compare")
    score, box = 0.0, 0.0
    for ours, theirs in zip(reference, candidate, strict=True):
        if ours.shape != theirs.shape:
            raise ValueError(f"output shape {theirs.shape} instead of {ours.shape}")
        delta = np.abs(ours.astype(np.float64) - theirs.astype(np.float64))
        box = max(box, float(delta[:, :4].max(initial=0.0)))
        score = max(score, float(delta[:, 4:].max(initial=0.0)))
    return Difference(score=score, box_px=box)


def mismatch_message(check: FormatCheck, reference: Path) -> str:
    d = check.difference
    return (
        f"{check.format} export {check.path}: outputs differ from {reference}: "
        f"max score difference {d.score:.4g} (tolerance {SCORE_TOLERANCE}), "
        f"max box difference {d.box_px:.4g} px (tolerance {BOX_TOLERANCE_PX} px)"
    )


def synthetic_image(size: int = 160) -> ImageBGR:
    """A deterministic BGR test image (gradients, blocks and noise), for when none is given."""
    rng = np.random.default_rng(0)
    ramp = np.linspace(0, 255, size, dtype=np.float32)
    image = np.stack(
        [np.add.outer(ramp, ramp) / 2, np.tile(ramp, (size, 1)), np.tile(ramp[:, None], (1, size))],
        -1,
    )
    image[size // 4 : size // 2, size // 4 : size // 2] = (30, 200, 90)
    noisy = image + rng.normal(0, 12, image.shape)
    return np.clip(noisy, 0, 255).astype(np.uint8)[:, : size * 3 // 4]


def default_images() -> list[ImageBGR]:
    """Ultralytics' bundled photos (bus, people) plus a synthetic one: all offline."""
    from ultralytics.utils import ASSETS

    photos = [cv2.imread(str(path)) for path in sorted(Path(ASSETS).glob("*.jpg"))]
    found = [np.asarray(photo, np.uint8) for photo in photos if photo is not None]
    return [*found, synthetic_image()]


def read_images(paths: Sequence[Path]) -> list[ImageBGR]:
    images = []
    for path in paths:
        image = cv2.imread(str(path))
        if image is None:
            raise ExportError(f"test image {path}: not a readable image")
        images.append(np.asarray(image, np.uint8))
    return images


def letterboxed(images: Sequence[ImageBGR], imgsz: int) -> list[Tensor]:
    """Each BGR image letterboxed (grey 114) to ``imgsz × imgsz``, RGB, NCHW, [0, 1]."""
    from ultralytics.data.augment import LetterBox

    box: Any = LetterBox(new_shape=(imgsz, imgsz), auto=False)
    tensors = []
    for image in images:
        padded = box(image=image)[..., ::-1].transpose(2, 0, 1)
        tensors.append((np.ascontiguousarray(padded, dtype=np.float32) / 255.0)[None])
    return tensors


def pytorch_outputs(pt: Path, inputs: Sequence[Tensor]) -> list[Tensor]:
    """The ``.pt``'s raw outputs (the caller has checked the file before this loads it)."""
    import torch
    from ultralytics.models import YOLO

    network: Any = YOLO(str(pt), task="detect").model
    network = network.float().eval()
    outputs = []
    with torch.no_grad():
        for tensor in inputs:
            raw = network(torch.from_numpy(tensor))
            first = raw[0] if isinstance(raw, list | tuple) else raw
            outputs.append(first.numpy().astype(np.float32))
    return outputs


def onnx_outputs(path: Path, inputs: Sequence[Tensor]) -> tuple[str, list[Tensor]]:
    import onnxruntime  # type: ignore[import-untyped]

    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    return "f32", [np.asarray(session.run(None, {name: x})[0], np.float32) for x in inputs]


def openvino_outputs(
    folder: Path, inputs: Sequence[Tensor], precision: str | None
) -> tuple[str, list[Tensor]]:
    """Outputs of the folder's model compiled for the CPU, in ``precision`` (None: default)."""
    import openvino  # type: ignore[import-untyped]

    core = openvino.Core()
    model = core.read_model(str(next(folder.glob("*.xml"))))
    config: dict[str, Any] = {"PERFORMANCE_HINT": "LATENCY"}
    if precision is not None:
        config["INFERENCE_PRECISION_HINT"] = precision
    compiled: Any = core.compile_model(model, "CPU", config)
    used = str(compiled.get_property("INFERENCE_PRECISION_HINT").get_type_name())
    return used, [np.asarray(compiled(x)[0], np.float32) for x in inputs]


def check_export(
    fmt: ExportFormat, path: Path, reference: Sequence[Tensor], inputs: Sequence[Tensor]
) -> FormatCheck:
    """Compare one export with the reference outputs; shape mismatches become differences."""
    if fmt == "onnx":
        precision, strict = onnx_outputs(path, inputs)
        default = strict
    else:
        _, strict = openvino_outputs(path, inputs, "f32")
        precision, default = openvino_outputs(path, inputs, None)
    try:
        difference = compare_outputs(reference, strict)
        runtime_difference = compare_outputs(reference, default)
    except ValueError as exc:
        raise ExportMismatchError(f"{fmt} export {path}: {exc}") from None
    return FormatCheck(fmt, path, difference, precision, runtime_difference)
