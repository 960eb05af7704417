"""`streetorder watch CAMERAS.yaml`: a live table of cameras until Ctrl-C (or --seconds)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.live import Live
from rich.table import Table

if TYPE_CHECKING:
    from detector.pipeline.watch import Watch

console = Console()


def _table(watch: Watch) -> Table:
    table = Table(title="StreetOrder watch")
    for column in ("camera", "state", "since (UTC)", "frames", "incidents", "last error"):
        table.add_column(column, overflow="fold")
    for pipeline in watch.pipelines:
        health = watch.health.get(pipeline.camera.id)
        error = watch.errors.get(pipeline.camera.id) or (health.last_error if health else None)
        table.add_row(
            pipeline.camera.id,
            health.state.value if health else "starting",
            f"{health.since:%H:%M:%S}" if health else "-",
            str(pipeline.stats.frames),
            f"{pipeline.stats.raised} raised, {pipeline.stats.ended} ended",
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
        with Live(_table(watch), console=console, refresh_per_second=2) as live:
            while watch.running:
                if seconds and time.monotonic() - started >= seconds:
                    break
                time.sleep(0.5)
                live.update(_table(watch))
    except KeyboardInterrupt:
        console.print("stopping…")
    finally:
        watch.stop()
        watch.join(timeout_s=30)
    console.print(_table(watch))
    console.print(f"results: {config.out}", soft_wrap=True, highlight=False)
