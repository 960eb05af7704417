"""An original YOLOv5 checkpoint's backbone and neck in Ultralytics' own ``yolov5n.yaml``.

The original checkpoint (``../shared/models/yolov5n_coco.pt``) pickles classes of the YOLOv5
repository; our restricted unpickler rebuilds its layers as Ultralytics blocks. Layers 0–23
(backbone and neck) then match Ultralytics' ``yolov5n.yaml`` tensor for tensor and are copied
into a freshly built model; only the head (layer 24, anchor-free in Ultralytics) starts anew
for the new classes. One difference is not in any tensor: Ultralytics builds ``SPPF.cv1``
without an activation, while YOLOv5 v6 applies SiLU there, so it is put back
(``restore_sppf_activation``) — in the transplant and in every model the trainer rebuilds.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import torch
from torch import nn

from detector.analyzers.objects.errors import ModelError
from detector.analyzers.objects.safe_pickle import restricted_load
from detector.analyzers.objects.yolov5 import YOLOV5_GLOBALS, PickledModel

log = logging.getLogger(__name__)

ARCHITECTURE = "yolov5n.yaml"
TRANSPLANTED_LAYERS = 24
"""Layers 0–23: backbone (0–9) and neck (10–23); 24 is the Detect head."""


def restore_sppf_activation(model: nn.Module) -> int:
    """Give every ``SPPF.cv1`` the SiLU YOLOv5 v6 has there; returns how many were changed."""
    from ultralytics.nn.modules import SPPF

    changed = 0
    for module in model.modules():
        if isinstance(module, SPPF) and isinstance(module.cv1.act, nn.Identity):
            module.cv1.act = nn.SiLU()
            changed += 1
    return changed


def _source_layers(checkpoint: Path) -> list[nn.Module]:
    loaded = restricted_load(checkpoint, YOLOV5_GLOBALS)
    pickled = loaded.get("ema") or loaded.get("model") if isinstance(loaded, dict) else None
    sequence = getattr(pickled, "model", None)
    if not isinstance(pickled, PickledModel) or not isinstance(sequence, nn.Sequential):
        raise ModelError(f"{checkpoint}: not an original YOLOv5 detection checkpoint")
    if len(sequence) != TRANSPLANTED_LAYERS + 1:
        raise ModelError(f"{checkpoint}: {len(sequence)} layers, expected a YOLOv5 v6 model (25)")
    return list(sequence)[:TRANSPLANTED_LAYERS]


def transplant(checkpoint: Path, class_names: Sequence[str]) -> tuple[Any, int]:
    """A ``DetectionModel`` (yolov5n.yaml, ``len(class_names)`` classes) with layers 0–23 from
    ``checkpoint``; returns it and the number of tensors copied. ``ModelError`` if the
    checkpoint's layers do not match tensor for tensor."""
    from ultralytics.nn.tasks import DetectionModel

    layers = _source_layers(checkpoint)
    model = DetectionModel(ARCHITECTURE, nc=len(class_names), verbose=False)  # type: ignore[no-untyped-call]
    restore_sppf_activation(model)
    copied = 0
    targets: list[nn.Module] = list(model.model)  # type: ignore[arg-type]
    for index, (source, target) in enumerate(zip(layers, targets, strict=False)):
        theirs, ours = source.state_dict(), target.state_dict()
        mismatched = sorted(
            key for key in ours if key not in theirs or theirs[key].shape != ours[key].shape
        )
        if mismatched or set(theirs) != set(ours):
            raise ModelError(
                f"{checkpoint}: layer {index} does not match {ARCHITECTURE} "
                f"({', '.join(mismatched[:3]) or 'different tensors'})"
            )
        target.load_state_dict({key: value.float() for key, value in theirs.items()})
        copied += len(theirs)
    model.names = dict(enumerate(class_names))
    log.info("transplanted %d tensors of layers 0-23 from %s", copied, checkpoint)
    return model, copied


def save_start_checkpoint(model: Any, path: Path, source: Path) -> Path:
    """Save ``model`` as an Ultralytics checkpoint a training can start from."""
    import ultralytics

    path.parent.mkdir(parents=True, exist_ok=True)
    checkpoint = {
        "epoch": -1,
        "best_fitness": None,
        "model": model,
        "ema": None,
        "updates": None,
        "optimizer": None,
        "train_args": {},
        "date": datetime.now(UTC).isoformat(),
        "version": ultralytics.__version__,
        "streetorder": {"transplanted_from": str(source), "layers": "0-23"},
    }
    partial = path.with_name(f".{path.name}.partial")
    torch.save(checkpoint, partial)
    partial.replace(path)
    return path
