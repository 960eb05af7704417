"""`streetorder ingest SOURCE`: read a camera source once and report what came through."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.live import Live
from rich.table import Table

from detector.cli.output import console
from detector.configfile import format_validation_error, load_yaml_model
from detector.errors import ConfigError
from detector.sources.config import CameraConfig, LiveConfig, SamplingConfig
from detector.sources.factory import create_source
from detector.sources.health import CameraHealth, HealthBoard
from detector.sources.sampling import SamplingMode


def _health_table(health: CameraHealth | None, frames: int, last_time: str) -> Table:
    table = Table(show_header=False)
    if health is not None:
        table.add_row("camera", health.camera_id)
        table.add_row("state", f"{health.state.value} since {health.since:%Y-%m-%d %H:%M:%S} UTC")
        table.add_row("reconnects / outages", f"{health.reconnects} / {health.outages}")
        table.add_row("last error", health.last_error or "-")
    table.add_row("frames analysed", str(frames))
    table.add_row("last frame time", last_time)
    return table


def _camera_from_options(
    source: str | None,
    camera_file: Path | None,
    camera_id: str,
    sampling: SamplingConfig,
    images_fps: float,
    live: LiveConfig,
) -> CameraConfig:
    if camera_file is not None:
        if source is not None:
            raise typer.BadParameter("give SOURCE or --camera, not both")
        return load_yaml_model(camera_file, CameraConfig)
    if source is None:
        raise typer.BadParameter("give a SOURCE or a --camera YAML file")
    return CameraConfig(
        id=camera_id, source=source, images_fps=images_fps, sampling=sampling, live=live
    )


def ingest_command(
    source: Annotated[
        str | None, typer.Argument(help="Video file, image folder or stream URL.")
    ] = None,
    camera_file: Annotated[
        Path | None, typer.Option("--camera", help="Camera YAML (id, source, sampling, ...).")
    ] = None,
    camera_id: Annotated[str, typer.Option("--camera-id", help="Camera id.")] = "cam-01",
    sampling: Annotated[
        SamplingMode, typer.Option(help="rate, keyframes or all.")
    ] = SamplingMode.RATE,
    rate: Annotated[float, typer.Option(help="Analysis frames per second (sampling rate).")] = 1.0,
    images_fps: Annotated[float, typer.Option(help="Frame rate of an image folder.")] = 1.0,
    follow: Annotated[
        bool, typer.Option(help="Live streams: keep reconnecting forever (a watch).")
    ] = False,
    max_attempts: Annotated[
        int, typer.Option(help="Live streams without --follow: failed attempts before giving up.")
    ] = 3,
    seconds: Annotated[
        float, typer.Option(help="Stop after this many wall-clock seconds (0: until the end).")
    ] = 0.0,
) -> None:
    """Read SOURCE as a camera and show frames and health; exit 1 if it cannot be read."""
    try:
        camera = _camera_from_options(
            source,
            camera_file,
            camera_id,
            SamplingConfig(mode=sampling, rate_fps=rate),
            images_fps,
            LiveConfig(max_connect_attempts=None if follow else max_attempts),
        )
    except ValidationError as exc:
        raise ConfigError(format_validation_error("command line", exc)) from None
    _read(camera, seconds)


def _read(camera: CameraConfig, seconds: float) -> None:
    """Read the camera with a live health table; ``seconds`` > 0 stops it after that long."""
    board = HealthBoard()
    camera_source = create_source(camera, health=board, want_images=False)
    frames, last_time = 0, "-"
    # A timer, not a check per frame: during an outage no frame comes to check on.
    timer = threading.Timer(seconds, camera_source.stop) if seconds > 0 else None
    if timer is not None:
        timer.daemon = True
        timer.start()
    try:
        with Live(_health_table(None, 0, "-"), console=console(), transient=True) as live:
            for frame in camera_source.frames():
                frames += 1
                stamp = frame.timestamp
                last_time = (
                    f"{stamp:.2f} s" if isinstance(stamp, float) else f"{stamp:%H:%M:%S} UTC"
                )
                live.update(_health_table(board.get(camera.id), frames, last_time))
    finally:
        if timer is not None:
            timer.cancel()
    console().print(_health_table(board.get(camera.id), frames, last_time))
