"""``streetorder train``: Ultralytics' trainer with offline-safe settings and YOLOv5 starts.

A training starts from ``scratch`` (``yolov5n.yaml``, random weights), from any Ultralytics
``.pt``, or from an original YOLOv5 checkpoint, whose layers 0–23 are transplanted first
(``detector.training.transplant``). Every model the trainer builds gets YOLOv5's SPPF
activation back, so transplanted weights see the function they were trained with.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from detector.analyzers.objects.backends import is_yolov5_checkpoint
from detector.errors import ConfigError
from detector.training.transplant import (
    ARCHITECTURE,
    restore_sppf_activation,
    save_start_checkpoint,
    transplant,
)

log = logging.getLogger(__name__)
SCRATCH = "scratch"


class TrainSettings(BaseModel):
    """One training run; ``out/name`` holds its weights, curves and ``results.csv``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    data: Path = Field(description="Ultralytics dataset YAML (train, val, names).")
    start: str = Field(
        SCRATCH,
        description="'scratch', an Ultralytics .pt, or an original YOLOv5 .pt (transplanted).",
    )
    out: Path = Field(Path("var/train"), description="Folder of training runs.")
    name: str = Field("run", pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
    hours: float | None = Field(
        None, gt=0.0, le=240.0, description="Wall-clock budget; overrides epochs when set."
    )
    epochs: int = Field(100, ge=1, le=10_000)
    imgsz: int = Field(640, ge=64, le=2048, multiple_of=32)
    batch: int = Field(8, ge=1, le=512)
    workers: int = Field(0, ge=0, le=32, description="Data-loader processes (0: in process).")
    threads: int | None = Field(None, ge=1, le=256, description="Torch CPU threads.")
    seed: int = Field(0, ge=0)
    device: str = Field("cpu", description="'cpu', or a CUDA device such as '0'.")


@dataclass(frozen=True)
class EpochReport:
    epoch: int
    """1-based."""
    epochs: int
    metrics: dict[str, float]


@dataclass(frozen=True)
class TrainResult:
    run_dir: Path
    best: Path
    last: Path
    epochs_done: int
    transplanted_tensors: int
    metrics: dict[str, float]


def offline_environment(config_dir: Path = Path("var/ultralytics")) -> None:
    """Ultralytics must never reach the network: offline mode, a local config dir and font.
    Set before Ultralytics is first imported (it reads them once)."""
    from detector.cli.offline_setup import prepare

    os.environ.setdefault("YOLO_OFFLINE", "1")
    os.environ.setdefault("YOLO_CONFIG_DIR", str(config_dir.resolve()))
    prepare(Path(os.environ["YOLO_CONFIG_DIR"]))


def _trainer_class() -> type[Any]:
    from ultralytics.models.yolo.detect import DetectionTrainer

    class Yolov5Trainer(DetectionTrainer):
        """Ultralytics' detection trainer whose models keep YOLOv5's SPPF activation."""

        def get_model(self, cfg: Any = None, weights: Any = None, verbose: bool = True) -> Any:
            model = super().get_model(cfg, weights, verbose)
            restore_sppf_activation(model)
            return model

    return Yolov5Trainer


def _class_names(data: Path) -> list[str]:
    from ultralytics.data.utils import check_det_dataset

    try:
        names = check_det_dataset(str(data), autodownload=False)["names"]
    except (FileNotFoundError, SyntaxError, KeyError, ValueError) as exc:
        raise ConfigError(f"{data}: not a usable dataset: {exc}") from None
    return [names[i] for i in sorted(names)]


def _starting_model(settings: TrainSettings, run_dir: Path) -> tuple[Any, int]:
    from ultralytics.models.yolo import YOLO

    if settings.start == SCRATCH:
        return YOLO(ARCHITECTURE), 0
    start = Path(settings.start)
    if not start.is_file():
        raise ConfigError(f"start model {start}: file not found")
    if not is_yolov5_checkpoint(start):
        return YOLO(str(start)), 0
    model, copied = transplant(start, _class_names(settings.data))
    return YOLO(str(save_start_checkpoint(model, run_dir / "start.pt", start))), copied


def train(
    settings: TrainSettings,
    on_epoch: Callable[[EpochReport], None] | None = None,
    *,
    resume: bool = False,
) -> TrainResult:
    """Run (or with ``resume`` continue) the training described by ``settings``."""
    from ultralytics.models.yolo import YOLO

    if settings.threads is not None:
        import torch

        torch.set_num_threads(settings.threads)
    run_dir = (settings.out / settings.name).resolve()
    last = run_dir / "weights" / "last.pt"
    if resume:
        if not last.is_file():
            raise ConfigError(f"nothing to resume: {last} does not exist")
        model, copied = YOLO(str(last)), 0
    else:
        model, copied = _starting_model(settings, run_dir)
    if on_epoch is not None:
        model.add_callback("on_fit_epoch_end", _epoch_callback(on_epoch))
    arguments: dict[str, Any] = {
        "data": str(settings.data.resolve()),
        "epochs": settings.epochs,
        "imgsz": settings.imgsz,
        "batch": settings.batch,
        "workers": settings.workers,
        "seed": settings.seed,
        "device": settings.device,
        "project": str(settings.out.resolve()),
        "name": settings.name,
        "exist_ok": True,
        "amp": False,  # the AMP check downloads a model; CPUs gain nothing from it anyway
        "verbose": False,
    }
    if settings.hours is not None:
        arguments["time"] = settings.hours
    model.train(trainer=_trainer_class(), resume=resume, **arguments)
    return _result(run_dir, copied)


def _epoch_callback(on_epoch: Callable[[EpochReport], None]) -> Callable[[Any], None]:
    def report(trainer: Any) -> None:
        metrics = {str(k): float(v) for k, v in (trainer.metrics or {}).items()}
        on_epoch(EpochReport(int(trainer.epoch) + 1, int(trainer.epochs), metrics))

    return report


def _result(run_dir: Path, copied: int) -> TrainResult:
    import csv

    rows = []
    results = run_dir / "results.csv"
    if results.is_file():
        with results.open(encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
    final = {k.strip(): float(v) for k, v in rows[-1].items() if v.strip()} if rows else {}
    weights = run_dir / "weights"
    return TrainResult(run_dir, weights / "best.pt", weights / "last.pt", len(rows), copied, final)
