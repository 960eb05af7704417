"""Original YOLOv5 (v6) checkpoints, run without the YOLOv5 repository.

The checkpoint pickles classes of the YOLOv5 repository (``models.yolo.Model``,
``models.common.Conv``…). Their building blocks have the same names, attributes and tensors as
Ultralytics' own ``Conv``, ``C3``, ``SPPF``, ``Bottleneck`` and ``Concat``, so the restricted
unpickler builds those directly. ``Model`` and ``Detect`` become inert holders whose parts are
checked and reassembled into ``YoloV5Network``, with this module's anchor-based ``AnchorDetect``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path

import torch
from torch import Tensor, nn
from torch.nn.utils.fusion import fuse_conv_bn_eval
from ultralytics.nn.modules import C3, SPPF, Bottleneck, Concat, Conv

from detector.analyzers.objects.errors import ModelError, one_line
from detector.analyzers.objects.safe_pickle import restricted_load

log = logging.getLogger(__name__)

Source = int | list[int]
"""Where a layer reads its input: -1 the previous layer, else layer indexes (YOLOv5 ``f``)."""


class PickledModel(nn.Module):
    """What ``models.yolo.Model`` unpickles into: state only; never run."""


class PickledDetect(nn.Module):
    """What ``models.yolo.Detect`` unpickles into: its convolutions and anchors; never run."""


_BLOCKS: tuple[type[nn.Module], ...] = (Conv, C3, SPPF, Bottleneck, Concat)
YOLOV5_GLOBALS: Mapping[tuple[str, str], object] = {
    ("models.yolo", "Model"): PickledModel,
    # YOLOv5 v6.2 renamed Model to DetectionModel; same attributes.
    ("models.yolo", "DetectionModel"): PickledModel,
    ("models.yolo", "Detect"): PickledDetect,
    **{("models.common", block.__name__): block for block in _BLOCKS},
}
"""The YOLOv5 repository names the restricted unpickler accepts, and what each becomes."""

_LAYER_TYPES = (*_BLOCKS, nn.Upsample, nn.MaxPool2d, nn.Conv2d, nn.Identity)


class AnchorDetect(nn.Module):
    """YOLOv5's anchor-based head, inference only: boxes in input pixels, sigmoid scores.

    Output rows are ``cx, cy, w, h, objectness, class scores…`` per anchor and cell. With ``s``
    the sigmoid of a raw output, ``xy = (2s - 0.5 + cell) * stride`` and
    ``wh = (2s)² * anchor * stride``, anchors being in grid cells of their level.
    """

    def __init__(self, convs: nn.ModuleList, anchors: Tensor, strides: Sequence[float]) -> None:
        super().__init__()
        self.convs = convs
        self.register_buffer("anchors", anchors.float().clone())
        self.strides = tuple(float(stride) for stride in strides)
        self.num_anchors = int(anchors.shape[1])
        self._grids: dict[tuple[int, int, int, str], Tensor] = {}

    def _grid(self, level: int, ny: int, nx: int, device: torch.device) -> Tensor:
        # Made on the features' device: a CPU grid would stop the head on a GPU.
        key = (level, ny, nx, str(device))
        if key not in self._grids:
            y, x = torch.arange(ny, device=device), torch.arange(nx, device=device)
            yv, xv = torch.meshgrid(y, x, indexing="ij")
            self._grids[key] = torch.stack((xv, yv), -1).view(1, 1, ny, nx, 2).float()
        return self._grids[key]

    def forward(self, features: list[Tensor]) -> Tensor:
        anchors = self.get_buffer("anchors")
        outputs = []
        for level, (conv, feature) in enumerate(zip(self.convs, features, strict=True)):
            raw: Tensor = conv(feature)
            batch, channels, ny, nx = raw.shape
            per_anchor = channels // self.num_anchors
            scores = raw.view(batch, self.num_anchors, per_anchor, ny, nx)
            scores = scores.permute(0, 1, 3, 4, 2).sigmoid()
            stride = self.strides[level]
            xy = (scores[..., :2] * 2 - 0.5 + self._grid(level, ny, nx, raw.device)) * stride
            wh = (scores[..., 2:4] * 2) ** 2 * (anchors[level].view(1, -1, 1, 1, 2) * stride)
            decoded = torch.cat((xy, wh, scores[..., 4:]), -1)
            outputs.append(decoded.view(batch, -1, per_anchor))
        return torch.cat(outputs, 1)


class YoloV5Network(nn.Module):
    """Layers 0–23 of a YOLOv5 model (Ultralytics blocks) routed as the checkpoint says."""

    def __init__(
        self,
        layers: Sequence[nn.Module],
        sources: Sequence[Source],
        head: AnchorDetect,
        head_sources: Sequence[int],
    ) -> None:
        super().__init__()
        self.layers = nn.ModuleList(layers)
        self.sources = [source if isinstance(source, int) else list(source) for source in sources]
        self.head = head
        self.head_sources = list(head_sources)
        wanted = {j for s in [*self.sources, self.head_sources] for j in _as_list(s) if j >= 0}
        self.kept = frozenset(wanted)

    def forward(self, image: Tensor) -> Tensor:
        """(B, N, 5 + classes) predictions for a (B, 3, H, W) RGB batch in [0, 1]."""
        outputs: list[Tensor | None] = []
        x: Tensor | list[Tensor] = image
        for index, (layer, source) in enumerate(zip(self.layers, self.sources, strict=True)):
            if source != -1:
                x = _gather(outputs, source, x)
            x = layer(x)
            outputs.append(x if index in self.kept else None)  # type: ignore[arg-type]
        features = _gather(outputs, self.head_sources, x)
        assert isinstance(features, list)
        result: Tensor = self.head(features)
        return result


def _as_list(source: Source) -> list[int]:
    return [source] if isinstance(source, int) else source


def _gather(outputs: list[Tensor | None], source: Source, last: object) -> Tensor | list[Tensor]:
    picked = [last if j == -1 else outputs[j] for j in _as_list(source)]
    tensors = [item for item in picked if isinstance(item, Tensor)]
    if len(tensors) != len(picked):
        raise RuntimeError(f"layer input {source} was not kept")
    return tensors[0] if isinstance(source, int) else tensors


def _check_source(source: object, index: int) -> Source:
    """A layer's ``f``: -1 or earlier layers only, so the graph runs front to back."""
    items = [source] if isinstance(source, int) else source
    if not isinstance(items, list) or not items:
        raise ValueError(f"layer {index} has input {source!r}")
    for item in items:
        if not isinstance(item, int) or isinstance(item, bool) or not -1 <= item < index:
            raise ValueError(f"layer {index} reads from {item!r}")
    return source if isinstance(source, int) else list(items)


def _class_names(raw: object, count: int) -> tuple[str, ...]:
    if isinstance(raw, dict):
        raw = [raw.get(i) for i in range(count)]
    if not isinstance(raw, list | tuple) or len(raw) != count:
        raise ValueError(f"names do not list {count} classes")
    if not all(isinstance(name, str) for name in raw):
        raise ValueError("names are not all text")
    return tuple(raw)


def _build_head(detect: PickledDetect, classes: int) -> AnchorDetect:
    convs = getattr(detect, "m", None)
    anchors = getattr(detect, "anchors", None)
    stride = getattr(detect, "stride", None)
    if not isinstance(convs, nn.ModuleList) or not all(isinstance(c, nn.Conv2d) for c in convs):
        raise ValueError("Detect has no output convolutions")
    if not isinstance(anchors, Tensor) or anchors.ndim != 3 or anchors.shape[0] != len(convs):
        raise ValueError("Detect anchors do not match its levels")
    if not isinstance(stride, Tensor) or stride.numel() != len(convs) or (stride <= 0).any():
        raise ValueError("Detect strides are missing")
    per_level = int(anchors.shape[1]) * (classes + 5)
    if any(conv.out_channels != per_level for conv in convs):
        raise ValueError(f"Detect outputs do not fit {classes} classes")
    return AnchorDetect(convs, anchors, stride.float().tolist())


def build_network(pickled: object) -> tuple[YoloV5Network, tuple[str, ...]]:
    """The runnable network and class names from an unpickled ``Model``; ValueError if odd."""
    if not isinstance(pickled, PickledModel):
        raise ValueError(f"expected a YOLOv5 model, found {type(pickled).__name__}")
    sequence = getattr(pickled, "model", None)
    if not isinstance(sequence, nn.Sequential) or len(sequence) < 2:
        raise ValueError("the model has no layer sequence")
    *layers, detect = list(sequence)
    if not isinstance(detect, PickledDetect):
        raise ValueError("the last layer is not a YOLOv5 Detect head")
    sources = []
    for index, layer in enumerate(layers):
        if not isinstance(layer, _LAYER_TYPES):
            raise ValueError(f"layer {index} is a {type(layer).__name__}")
        sources.append(_check_source(getattr(layer, "f", None), index))
    head_sources = _check_source(getattr(detect, "f", None), len(layers))
    if not isinstance(head_sources, list) or -1 in head_sources:
        raise ValueError("Detect must read named layers")
    names = getattr(pickled, "names", None)
    classes = len(names) if isinstance(names, list | tuple | dict) else 0
    head = _build_head(detect, classes)
    return YoloV5Network(layers, sources, head, head_sources), _class_names(names, classes)


def _fuse_batch_norms(network: nn.Module) -> None:
    """Fold each Conv's BatchNorm into its convolution: same outputs, fewer CPU passes."""
    for module in network.modules():
        if isinstance(module, Conv) and isinstance(getattr(module, "bn", None), nn.BatchNorm2d):
            module.conv = fuse_conv_bn_eval(module.conv, module.bn)
            module.bn = nn.Identity()  # type: ignore[assignment]


def load_yolov5_network(path: Path) -> tuple[YoloV5Network, tuple[str, ...]]:
    """An original YOLOv5 checkpoint as a float32, fused, eval-mode network and class names.

    Raises ``UnsafeModelError`` if the pickle names anything outside the allow-list, and
    ``ModelError`` if the file is missing, unreadable or not a YOLOv5 detection checkpoint.
    """
    checkpoint = restricted_load(path, YOLOV5_GLOBALS)
    if not isinstance(checkpoint, dict):
        raise ModelError(f"{path}: not a YOLOv5 checkpoint (top level is not a mapping)")
    # Training checkpoints keep the EMA weights, which are the ones YOLOv5 itself runs.
    pickled = checkpoint.get("ema") or checkpoint.get("model")
    try:
        network, names = build_network(pickled)
    except ValueError as exc:
        raise ModelError(f"{path}: not a YOLOv5 detection checkpoint: {exc}") from None
    network = network.float().eval()
    _fuse_batch_norms(network)
    try:
        with torch.inference_mode():
            network(torch.zeros(1, 3, 64, 64))
    except (RuntimeError, ValueError, IndexError, TypeError, AttributeError) as exc:
        raise ModelError(f"{path}: YOLOv5 layers do not fit together: {one_line(exc)}") from None
    log.info("loaded YOLOv5 checkpoint %s: %d classes", path, len(names))
    return network, names
