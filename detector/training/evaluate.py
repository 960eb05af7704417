"""``streetorder eval``: a model on a dataset's val split — mAP, per-class precision and recall,
PR-curve and confusion-matrix images."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from detector.analyzers.objects.backends import is_yolov5_checkpoint
from detector.errors import ConfigError


@dataclass(frozen=True)
class ClassScore:
    name: str
    images: int
    instances: int
    precision: float
    recall: float
    map50: float
    map50_95: float


@dataclass(frozen=True)
class Evaluation:
    map50: float
    map50_95: float
    precision: float
    recall: float
    classes: tuple[ClassScore, ...]
    plots: tuple[Path, ...]
    """PR curve, confusion matrix… as written by Ultralytics."""
    out_dir: Path


def evaluate(
    model_path: Path, data: Path, out: Path, *, imgsz: int = 640, batch: int = 8
) -> Evaluation:
    from ultralytics.models.yolo import YOLO

    if not model_path.is_file():
        raise ConfigError(f"model {model_path}: file not found")
    if is_yolov5_checkpoint(model_path):
        raise ConfigError(
            f"model {model_path}: an original YOLOv5 checkpoint has COCO's head; train it "
            "first (streetorder train DATA.yaml --start MODEL)"
        )
    if not data.is_file():
        raise ConfigError(f"dataset {data}: file not found")
    model = YOLO(str(model_path))
    metrics = model.val(
        data=str(data.resolve()),
        imgsz=imgsz,
        batch=batch,
        device="cpu",
        plots=True,
        project=str(out.resolve()),
        name="eval",
        exist_ok=True,
        verbose=False,
    )
    return _evaluation(metrics)


def _evaluation(metrics: Any) -> Evaluation:
    box = metrics.box
    names = metrics.names
    classes = []
    for position, index in enumerate(box.ap_class_index):
        precision, recall, map50, map50_95 = box.class_result(position)
        classes.append(
            ClassScore(
                name=str(names[int(index)]),
                images=int(metrics.nt_per_image[int(index)]),
                instances=int(metrics.nt_per_class[int(index)]),
                precision=float(precision),
                recall=float(recall),
                map50=float(map50),
                map50_95=float(map50_95),
            )
        )
    save_dir = Path(metrics.save_dir)
    plots = tuple(sorted(p for p in save_dir.glob("*.png")))
    return Evaluation(
        map50=float(box.map50),
        map50_95=float(box.map),
        precision=float(box.mp),
        recall=float(box.mr),
        classes=tuple(classes),
        plots=plots,
        out_dir=save_dir,
    )
