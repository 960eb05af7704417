"""`streetorder export MODEL.pt`: ONNX / OpenVINO exports beside the weights, checked."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from detector.cli.output import console


def export_command(
    model: Annotated[
        Path, typer.Argument(help="Ultralytics .pt weights (e.g. a training's best.pt).")
    ],
    formats: Annotated[
        str, typer.Option(help="Comma-separated export formats: onnx, openvino.")
    ] = "onnx,openvino",
    imgsz: Annotated[
        int, typer.Option(min=32, max=1920, help="Fixed input size in pixels (multiple of 32).")
    ] = 640,
    image: Annotated[
        list[Path] | None,
        typer.Option(help="Test image for the match check (repeatable); default: bundled ones."),
    ] = None,
) -> None:
    """Export next to MODEL (MODEL.onnx, MODEL_openvino_model/) and check that every export's
    raw outputs match the .pt's on the same letterboxed images; exit 1 on a mismatch."""
    from detector.errors import ConfigError
    from detector.training.export import export_model, parse_formats
    from detector.training.export_check import BOX_TOLERANCE_PX, SCORE_TOLERANCE
    from detector.training.train import offline_environment

    if imgsz % 32:
        raise ConfigError(f"--imgsz {imgsz}: must be a multiple of 32")
    offline_environment()
    if logging.getLogger().getEffectiveLevel() > logging.INFO:
        logging.getLogger("ultralytics").setLevel(logging.WARNING)  # its export banners
    report = export_model(model, parse_formats(formats), imgsz, image or ())
    table = Table(
        title=f"{report.model.name}: exports match on {report.images} images at {report.imgsz} px",
        caption=f"tolerance: score {SCORE_TOLERANCE}, box {BOX_TOLERANCE_PX} px (float32); "
        "last column: the runtime's default precision here, for information",
    )
    for column in ("format", "export", "score diff", "box diff", "as run"):
        table.add_column(column)
    for check in report.checks:
        run = check.runtime_difference
        table.add_row(
            check.format,
            check.path.name,
            f"{check.difference.score:.2g}",
            f"{check.difference.box_px:.2g} px",
            f"{check.runtime_precision}: {run.score:.2g}, {run.box_px:.2g} px",
        )
    console().print(table)
