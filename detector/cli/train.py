"""`streetorder train DATA.yaml` and `streetorder eval MODEL DATA.yaml`, offline."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from detector.cli.output import console

if TYPE_CHECKING:
    from detector.training.evaluate import Evaluation
    from detector.training.train import EpochReport


def train_command(
    data: Annotated[Path, typer.Argument(help="Ultralytics dataset YAML (train, val, names).")],
    start: Annotated[
        str,
        typer.Option(
            help="'scratch', an Ultralytics .pt, or an original YOLOv5 .pt (its backbone and "
            "neck are transplanted, the head trained anew)."
        ),
    ] = "scratch",
    out: Annotated[Path, typer.Option(help="Folder of training runs.")] = Path("var/train"),
    name: Annotated[str, typer.Option(help="This run's folder under --out.")] = "run",
    hours: Annotated[
        float | None, typer.Option(help="Wall-clock budget (overrides --epochs).")
    ] = None,
    epochs: Annotated[int, typer.Option(min=1)] = 100,
    imgsz: Annotated[int, typer.Option(help="Training image size (multiple of 32).")] = 640,
    batch: Annotated[int, typer.Option(min=1)] = 8,
    workers: Annotated[int, typer.Option(min=0, help="Data-loader processes.")] = 0,
    threads: Annotated[int | None, typer.Option(min=1, help="Torch CPU threads.")] = None,
    device: Annotated[str, typer.Option(help="'cpu' or a CUDA device such as '0'.")] = "cpu",
    resume: Annotated[bool, typer.Option(help="Continue the run in --out/--name.")] = False,
) -> None:
    """Train a detector offline; weights land in OUT/NAME/weights/{best,last}.pt."""
    from pydantic import ValidationError

    from detector.configfile import format_validation_error
    from detector.errors import ConfigError
    from detector.training.train import TrainSettings, offline_environment, train

    offline_environment()
    try:
        settings = TrainSettings(
            data=data,
            start=start,
            out=out,
            name=name,
            hours=hours,
            epochs=epochs,
            imgsz=imgsz,
            batch=batch,
            workers=workers,
            threads=threads,
            device=device,
        )
    except ValidationError as exc:
        raise ConfigError(format_validation_error("train", exc)) from None
    if not data.is_file():
        raise ConfigError(f"dataset {data}: file not found")
    result = train(settings, on_epoch=_print_epoch, resume=resume)
    table = Table(title=f"training {result.run_dir.name}", show_header=False)
    table.add_row("epochs", str(result.epochs_done))
    if result.transplanted_tensors:
        table.add_row("transplanted", f"{result.transplanted_tensors} tensors (layers 0-23)")
    for key in ("metrics/mAP50(B)", "metrics/mAP50-95(B)"):
        if key in result.metrics:
            table.add_row(key.removeprefix("metrics/"), f"{result.metrics[key]:.3f}")
    table.add_row("best weights", str(result.best))
    console().print(table)


def _print_epoch(report: EpochReport) -> None:
    if report.epoch > report.epochs:
        return  # the final validation of best.pt reports once more
    map50 = report.metrics.get("metrics/mAP50(B)", 0.0)
    console().print(f"epoch {report.epoch}/{report.epochs}: mAP50 {map50:.3f}", highlight=False)


def eval_command(
    model: Annotated[Path, typer.Argument(help="Trained weights (.pt, ONNX, OpenVINO folder).")],
    data: Annotated[Path, typer.Argument(help="Dataset YAML; its val split is used.")],
    out: Annotated[Path, typer.Option(help="Where the curves and matrix go.")] = Path("var/eval"),
    imgsz: Annotated[int, typer.Option()] = 640,
) -> None:
    """mAP50, mAP50-95 and per-class precision and recall; PR curve and confusion matrix."""
    from detector.training.evaluate import evaluate
    from detector.training.train import offline_environment

    offline_environment()
    _print_evaluation(evaluate(model, data, out, imgsz=imgsz))


def _print_evaluation(evaluation: Evaluation) -> None:
    table = Table(title=f"mAP50 {evaluation.map50:.3f} · mAP50-95 {evaluation.map50_95:.3f}")
    for column in ("class", "images", "instances", "precision", "recall", "mAP50", "mAP50-95"):
        table.add_column(column, justify="left" if column == "class" else "right")
    for score in evaluation.classes:
        table.add_row(
            score.name,
            str(score.images),
            str(score.instances),
            f"{score.precision:.3f}",
            f"{score.recall:.3f}",
            f"{score.map50:.3f}",
            f"{score.map50_95:.3f}",
        )
    console().print(table)
    for plot in evaluation.plots:
        console().print(f"plot: {plot}", soft_wrap=True, highlight=False)


def eval_tickets_command(
    since: Annotated[
        str | None, typer.Option("--from", help="First day (YYYY-MM-DD, Beijing time).")
    ] = None,
    until: Annotated[
        str | None, typer.Option("--to", help="Last day, included (default: today).")
    ] = None,
    data_dir: Annotated[Path | None, typer.Option(help="The service's data folder.")] = None,
    database_url: Annotated[str | None, typer.Option(help="SQLAlchemy URL.")] = None,
) -> None:
    """The deployed models as reviewers judged them: precision (confirmed / reviewed) per
    camera and type, from the ticket database (default: the last 30 days)."""
    from datetime import UTC, datetime

    from api.services.stats import load_stats, parse_range
    from detector.cli.service_db import service_session

    days = parse_range(since, until, datetime.now(UTC))
    with service_session(data_dir, database_url, migrate=True) as session:
        stats = load_stats(session, days)
    table = Table(title=f"reviewed tickets {stats.from_day} – {stats.to_day}")
    for column in ("camera", "type", "detected", "confirmed", "rejected", "precision"):
        table.add_column(column, justify="left" if column in ("camera", "type") else "right")
    for row in stats.per_camera_type:
        precision = "–" if row.precision is None else f"{row.precision:.0%}"
        table.add_row(
            row.camera, row.type, str(row.detected), str(row.confirmed), str(row.rejected),
            precision,
        )  # fmt: skip
    total = stats.totals
    overall = "–" if total.precision is None else f"{total.precision:.0%}"
    table.add_row(
        "all", "", str(total.detected), str(total.confirmed), str(total.rejected), overall
    )
    console().print(table)
