"""From a detector's own class names to what rules understand: roles or taxonomy codes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal, get_args

import numpy as np
import numpy.typing as npt

from detector.analyzers.detections import Detections

Role = Literal["person", "vehicle", "stall_indicator", "goods", "shop_sign"]
"""What a class means on a street: it explains a region, it does not accuse. ``shop_sign`` is
a shop's own sign (text on it is not an ad; whether it is registered is not for a camera)."""

TaxonomyCode = Literal[
    "stall", "out_of_store", "clutter", "green_damage", "illegal_ad", "signboard"
]
"""Violation classes, for custom models trained on the bureau's own taxonomy."""

Label = Literal[Role, TaxonomyCode]
"""Either a role or a taxonomy code: the value side of a class map."""

ROLES: tuple[str, ...] = get_args(Role)
TAXONOMY_CODES: tuple[str, ...] = get_args(TaxonomyCode)

_COCO: dict[str, Role] = {
    "person": "person",
    # A parked vehicle explains a still region; trains cover trams standing at a stop.
    **dict.fromkeys(("bicycle", "car", "motorcycle", "bus", "truck", "train"), "vehicle"),
    # Furniture a trader sets out: on a pavement these suggest a stall, not clutter alone.
    **dict.fromkeys(("umbrella", "dining table", "chair", "bench"), "stall_indicator"),
    # Things laid out for sale or left standing: produce, drinks, bags, plants.
    **dict.fromkeys(
        (
            "backpack",
            "handbag",
            "suitcase",
            "bottle",
            "cup",
            "bowl",
            "banana",
            "apple",
            "orange",
            "broccoli",
            "carrot",
            "potted plant",
            "vase",
        ),
        "goods",
    ),
}
COCO_ROLES: Mapping[str, Role] = MappingProxyType(_COCO)
"""The default class map for 80-class COCO detectors; every other COCO class is dropped."""

FACADE_CLASS_MAP: Mapping[str, Label] = MappingProxyType(
    {"win_ad": "illegal_ad", "signboard": "shop_sign"}
)
"""The class map for a model trained on facade photos (../shared/data/facades classes):
posters in shop windows are ads, shop signs explain the text on them."""


@dataclass(frozen=True, eq=False)
class RawDetections:
    """A detector's output for one frame before class mapping, boxes in source pixels."""

    xyxy: npt.NDArray[np.float32]
    confidence: npt.NDArray[np.float32]
    class_names: tuple[str, ...]
    """The model's own class name of each detection (``model.names``)."""

    def __post_init__(self) -> None:
        n = len(self.class_names)
        if self.xyxy.shape != (n, 4) or self.confidence.shape != (n,):
            raise ValueError(
                f"raw detections disagree: {n} names, boxes {self.xyxy.shape}, "
                f"confidence {self.confidence.shape}"
            )

    @classmethod
    def empty(cls) -> RawDetections:
        return cls(np.zeros((0, 4), np.float32), np.zeros(0, np.float32), ())


def apply_class_map(raw: RawDetections, class_map: Mapping[str, str]) -> Detections:
    """Detections labelled by role or code; classes the map does not name are dropped.

    ``data["class_name"]`` keeps the model's class name, so a rule or a reviewer can still
    tell a bench from an umbrella when both are ``stall_indicator``.
    """
    keep = [i for i, name in enumerate(raw.class_names) if name in class_map]
    names = [raw.class_names[i] for i in keep]
    return Detections.build(
        raw.xyxy[keep],
        raw.confidence[keep],
        [class_map[name] for name in names],
        class_name=np.asarray(names, dtype=np.str_).reshape(len(names)),
    )
