"""`streetorder watch CAMERAS.yaml [--api URL --api-key KEY]`: a live table of cameras (and of
the outbox to the ticket service) until Ctrl-C (or --seconds)."""

from __future__ import annotations

import time
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.live import Live
from rich.table import Table

from detector.cli.output import console
from detector.errors import StreetOrderError

if TYPE_CHECKING:
    from detector.outbox import OutboxCounts
    from detector.pipeline.watch import Watch


class Engine(StrEnum):
    LOCAL = "local"
    PROCESSES = "processes"
    RAY = "ray"


def _outbox_line(counts: OutboxCounts) -> str:
    parts = [f"outbox: {counts.pending} pending, {counts.sent} sent, {counts.dead} dead"]
    if counts.pending and counts.next_attempt_at is not None:
        parts.append(f"next try {counts.next_attempt_at:%H:%M:%S} UTC")
    if counts.last_error is not None and counts.last_error_at is not None:
        parts.append(f"last error {counts.last_error_at:%H:%M:%S} UTC: {counts.last_error}")
    return " · ".join(parts)


def _table(watch: Watch, outbox: OutboxCounts | None = None) -> Table:
    if outbox is None and watch.outbox is not None:
        outbox = watch.outbox.status()
    caption = None if outbox is None else _outbox_line(outbox)
    table = Table(title="StreetOrder watch", caption=caption, caption_justify="left")
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
    api: Annotated[
        str | None,
        typer.Option(
            help="Ticket service URL, e.g. http://tickets:8000: incidents and bundles go "
            "there through a spool in the out folder, with retries."
        ),
    ] = None,
    api_key: Annotated[
        str | None,
        typer.Option(
            envvar="STREETORDER_API_KEY",
            show_default=False,
            help="This node's API key (streetorder keys add); better in the environment "
            "than in shell history.",
        ),
    ] = None,
    engine: Annotated[
        Engine,
        typer.Option(
            help="local: one process, a thread per camera. processes: a process per camera on "
            "this machine, the Ray engine's code without Ray (own outbox each, restarts, "
            "CAMERAS.yaml reloads, --group). ray: an actor per camera on a Ray cluster "
            "(pip install 'streetorder[ray]'), each with its own outbox."
        ),
    ] = Engine.LOCAL,
    address: Annotated[
        str | None,
        typer.Option(
            help="--engine ray: the cluster to join (auto, host:port, ray://host:port); "
            "none starts a local one."
        ),
    ] = None,
    group: Annotated[
        str | None,
        typer.Option(
            help="--engine ray or processes, with --api: also run the cameras the service "
            "assigns to this group (PUT /api/v1/cameras/{id}/stream); adding or removing one "
            "there takes effect within seconds. Without it, only the file's cameras run."
        ),
    ] = None,
) -> None:
    """Watch many cameras; each reconnects on its own and never stops the others."""
    from detector.outbox import OutboxError, ServiceClient
    from detector.outbox.camera_reports import CameraReporter
    from detector.outbox.client import check_service_url

    if api is not None:  # mistakes in the arguments show before any camera starts
        check_service_url(api)
        if not api_key:
            raise OutboxError("--api needs this node's key: --api-key or STREETORDER_API_KEY")
    if address is not None and engine is not Engine.RAY:
        raise StreetOrderError("--address is for --engine ray")
    if engine is not Engine.LOCAL:
        from detector.cli.watch_ray import watch_on_ray

        watch_on_ray(
            cameras_file,
            address=address,
            seconds=seconds,
            api=api,
            api_key=api_key,
            group=group,
            on_ray=engine is Engine.RAY,
        )
        return
    if group is not None:
        raise StreetOrderError("--group is for --engine ray or --engine processes")
    from detector.pipeline.watch import Watch, load_watch  # analyzers load OCR and torch

    config, cameras = load_watch(cameras_file)
    if not cameras:
        raise StreetOrderError(
            f"{cameras_file}: lists no cameras (an empty list is for --engine ray or processes "
            "with --api and --group, which run the cameras the service assigns to the group)"
        )
    service = None
    if api is not None:
        service = ServiceClient(api, api_key or "", timeout_s=config.outbox.timeout_s)
    watch = Watch(config, cameras, service=service)
    watch.start()
    reporter = None
    if service is not None:  # the bureau's /cameras page shows what this node sees
        reporter = CameraReporter(service, watch.camera_reports, config.outbox.report_every_s)
        reporter.start()
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
        if reporter is not None:
            reporter.stop()  # a last round: the cameras now say stopped or finished
        left = watch.close()
    console().print(_table(watch, left))
    if still_running:
        console().print(f"[red]did not stop within 30 s:[/red] {', '.join(still_running)}")
    console().print(f"results: {config.out}", soft_wrap=True, highlight=False)
    if left is not None and left.pending:
        console().print(f"{left.pending} message(s) wait in the outbox for the next start")
