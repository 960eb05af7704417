"""`streetorder watch CAMERAS.yaml`: a live table of cameras until Ctrl-C (or --seconds)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.live import Live
from rich.table import Table

from detector.cli.output import console

if TYPE_CHECKING:
    from detector.pipeline.watch import Watch


def _table(watch: Watch) -> Table:
    table = Table(title="StreetOrder watch")
    for column in ("camera", "state", "since (UTC)", "frames", "incidents", "last error"):
        table.add_column(column, overflow="fold")
    pipelines = {p.camera.id: p for p in watch.pipelines}
    for camera_id in watch.camera_ids:
        health = watch.health.get(camera_id)
        error = watch.errors.get(camera_id) or (health.last_error if health else None)
        stats = pipelines[camera_id].stats if camera_id in pipelines else None
        state = health.state.value if health else ("failed" if camera_id in watch.errors else "-")
        table.add_row(
            camera_id,
            state,
            f"{health.since:%H:%M:%S}" if health else "-",
            str(stats.frames) if stats else "-",
            f"{stats.raised} raised, {stats.ended} ended" if stats else "-",
            error or "-",
        )
    return table


def watch_command(
    cameras_file: Annotated[Path, typer.Argument(help="Cameras YAML: out, analyzers, cameras.")],
    seconds: Annotated[
        float, typer.Option(help="Stop after this many seconds (0: until Ctrl-C).")
    ] = 0.0,
) -> None:
    """Watch many cameras; each reconnects on its own and never stops the others."""
    from detector.pipeline.watch import Watch, load_watch  # analyzers load OCR and torch

    config, cameras = load_watch(cameras_file)
    watch = Watch(config, cameras)
    watch.start()
    started = time.monotonic()
    try:
        with Live(_table(watch), console=console(), refresh_per_second=2) as live:
            while watch.running:
                if seconds and time.monotonic() - started >= seconds:
                    break
                time.sleep(0.5)
                live.update(_table(watch))
    except KeyboardInterrupt:
        console().print("stopping…")
    finally:
        watch.stop()
        still_running = watch.join(timeout_s=30)
    console().print(_table(watch))
    if still_running:
        console().print(f"[red]did not stop within 30 s:[/red] {', '.join(still_running)}")
    console().print(f"results: {config.out}", soft_wrap=True, highlight=False)
