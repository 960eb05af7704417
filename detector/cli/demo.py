"""`streetorder demo`: the whole chain on one machine, from a rendered street to a ticket."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from detector.cli.output import console

if TYPE_CHECKING:
    from detector.demo.run import DemoResult
    from detector.demo.service import DemoService
    from detector.demo.street import StreetScript


def demo_command(
    out: Annotated[Path, typer.Option(help="Folder for the clip, results and service.")] = Path(
        "var/demo"
    ),
    serve: Annotated[
        bool, typer.Option(help="Keep the ticket service running until Ctrl-C.")
    ] = True,
    port: Annotated[
        int, typer.Option(min=1, max=65535, help="Service port (another free one if taken).")
    ] = 8000,
) -> None:
    """Render a street, watch it as a camera, raise an incident, verify its evidence and send
    both through the outbox to a ticket service on SQLite; print the ticket's URL."""
    from detector.demo.run import DEMO_CAMERA_ID, demo_script
    from detector.demo.service import start_demo_service

    script = demo_script()
    service = start_demo_service(out / "service", DEMO_CAMERA_ID, "Demo street", port)
    try:
        result, ticket = _run_through_outbox(out, script, service)
        _print_result(script, result, service, ticket)
        if not result.report.ok:
            raise typer.Exit(1)
        if serve:
            console().print(f"serving {service.url} — Ctrl-C to stop", highlight=False)
            while True:
                time.sleep(3600)
    except KeyboardInterrupt:
        console().print("stopping the service")
    finally:
        service.server.stop()


def _run_through_outbox(
    out: Path, script: StreetScript, service: DemoService
) -> tuple[DemoResult, str]:
    from detector.demo.run import run_demo
    from detector.demo.service import ticket_of, wait_until_delivered
    from detector.outbox import SPOOL_NAME, Outbox, OutboxConfig, ServiceClient

    spool_dir = out / "outbox"
    shutil.rmtree(spool_dir, ignore_errors=True)  # a fresh service must not see old messages
    spool_dir.mkdir(parents=True)
    config = OutboxConfig(backoff_initial_s=0.2, backoff_max_s=2.0, timeout_s=10.0)
    with Outbox(spool_dir / SPOOL_NAME, ServiceClient(service.url, service.api_key), config) as box:
        box.start()
        with Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            TextColumn("{task.completed:.0f}/{task.total:.0f} s"),
            TimeElapsedColumn(),
            console=console(),
        ) as progress:
            task = progress.add_task("demo camera", total=script.duration_s)
            result = run_demo(
                out, script, on_frame=lambda t: progress.update(task, completed=t), outbox=box
            )
            progress.update(task, completed=script.duration_s)
        wait_until_delivered(box, timeout_s=60.0)
    return result, ticket_of(service, result.incident.id)


def _print_result(
    script: StreetScript, result: DemoResult, service: DemoService, ticket: str
) -> None:
    incident = result.incident
    box = [round(v) for v in incident.box_xyxy]
    table = Table(title="StreetOrder demo", show_header=False)
    table.add_row("frames analysed (1 fps)", str(result.frames_analysed))
    table.add_row(
        "box put down (truth)", f"{script.box_put_s:.1f} s, box_xyxy {list(script.box_xyxy)}"
    )
    table.add_row(
        "incident",
        f"{incident.type} in {incident.zone}: still since "
        f"{result.recording_s(incident.first_seen_at) or 0.0:.1f} s, raised "
        f"{result.recording_s(incident.raised_at) or 0.0:.1f} s, box_xyxy {box}, "
        f"score {incident.score:.2f}",
    )
    clip = result.bundle.clip
    table.add_row("clip", f"{clip.method.value}, {clip.start_media_s:.1f}-{clip.end_media_s:.1f} s")
    table.add_row("verify", "[green]intact[/green]" if result.report.ok else "[red]FAILED[/red]")
    table.add_row("outbox", "incident and evidence delivered")
    console().print(table)
    # Paths, hashes and URLs as plain lines, so they can be copied whole at any terminal width.
    for label, value in (
        ("camera recording", result.clip_path),
        ("incidents       ", result.incidents_file),
        ("evidence bundle ", result.bundle.path),
        ("manifest sha256 ", result.bundle.manifest_sha256),
        ("check it again  ", f"streetorder verify {result.bundle.path}"),
        ("open in browser ", f"{service.url}/review"),
        ("the ticket      ", f"{service.url}/tickets/{ticket}"),
        ("log in as       ", f"{service.username} / {service.password}"),
        ("plan progress   ", f"{service.url}/plan"),
        ("ticket (API)    ", f"{service.url}/api/v1/tickets/{ticket}"),
        ("API docs        ", f"{service.url}/docs"),
    ):
        console().print(f"{label}: {value}", soft_wrap=True, highlight=False)
