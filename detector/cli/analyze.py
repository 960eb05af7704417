"""`streetorder analyze VIDEO --scene SCENE.yaml --out DIR`: one file, incidents and evidence."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import av
import av.error
import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from detector.cli.output import console
from detector.incidents.record import IncidentRecord

if TYPE_CHECKING:
    from detector.pipeline.camera import CameraPipeline
from detector.sources.config import CameraConfig, SamplingConfig
from detector.sources.sampling import SamplingMode


def _duration_s(video: Path) -> float | None:
    """The file's length for the progress bar; None when the container does not say."""
    try:
        with av.open(str(video)) as container:
            return container.duration / 1_000_000 if container.duration else None
    except (av.error.FFmpegError, OSError):
        return None  # the source reports the real problem with its own message


def incident_table(incidents: list[IncidentRecord]) -> Table:
    table = Table(title=f"{len(incidents)} incident(s)")
    for column in ("id", "type", "zone", "still since", "raised", "ended", "score", "repeat of"):
        table.add_column(column, overflow="fold")

    def moment(seconds: float | None) -> str:
        return "-" if seconds is None else f"{seconds:.1f} s"

    for i in incidents:
        table.add_row(
            i.id,
            i.type,
            i.zone or "-",
            moment(i.first_seen_s),
            moment(i.raised_s),
            moment(i.ended_s) if i.ended_s is not None else "open",
            f"{i.score:.2f}",
            i.repeat_of or "-",
        )
    return table


def analyze_command(
    video: Annotated[Path, typer.Argument(help="Video file (or image folder) to analyse.")],
    scene_file: Annotated[Path, typer.Option("--scene", help="Scene YAML: camera, zones, rules.")],
    out: Annotated[Path, typer.Option(help="Folder for incidents.jsonl and bundles/.")],
    objects: Annotated[
        Path | None, typer.Option(help="YOLO model (.pt, .onnx, OpenVINO folder); default none.")
    ] = None,
    sampling: Annotated[SamplingMode, typer.Option(help="rate, keyframes or all.")] = (
        SamplingMode.RATE
    ),
    rate: Annotated[float, typer.Option(help="Analysis frames per second.")] = 1.0,
) -> None:
    """Find street-order violations in one video; writes incidents and evidence bundles."""
    # Analyzers pull in OCR and torch: loaded here, not when the CLI starts.
    from detector.pipeline.analyzers import AnalyzerSettings, build_analyzers
    from detector.pipeline.camera import CameraPipeline
    from detector.rules.scene import load_scene

    scene = load_scene(scene_file)
    camera = CameraConfig(
        id=scene.camera.id,
        name=scene.camera.name,
        source=str(video),
        sampling=SamplingConfig(mode=sampling, rate_fps=rate),
    )
    settings = AnalyzerSettings.model_validate(
        {"objects": {"model_path": objects} if objects else None}
    )
    pipeline = CameraPipeline(camera, scene, build_analyzers(scene, settings), out)
    incidents = _run_with_progress(pipeline, _duration_s(video))
    console().print(incident_table(incidents))
    console().print(f"incidents: {pipeline.log.path}", soft_wrap=True, highlight=False)
    for bundle in pipeline.recorder.written:
        console().print(f"evidence: {bundle.path}", soft_wrap=True, highlight=False)
    for incident, reason in pipeline.recorder.failed:
        console().print(f"[red]no evidence for {incident.id}:[/red] {reason}", soft_wrap=True)


def _run_with_progress(pipeline: CameraPipeline, total: float | None) -> list[IncidentRecord]:
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:.0f}/{task.total:.0f} s"),
        TextColumn("{task.fields[incidents]} incident(s)"),
        TimeElapsedColumn(),
        console=console(),
    ) as progress:
        task = progress.add_task(pipeline.camera.id, total=total, incidents=0)

        def advance(frame: object) -> None:
            progress.update(
                task,
                completed=getattr(frame, "media_time_s", 0.0),
                incidents=pipeline.stats.raised,
            )

        incidents = pipeline.run(on_frame=advance)
        if total:
            progress.update(task, completed=total)
    return incidents
