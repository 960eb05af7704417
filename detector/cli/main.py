"""The `streetorder` command line (Typer + Rich)."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.logging import RichHandler
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from detector.cli.analyze import analyze_command
from detector.cli.audit import audit_app
from detector.cli.ingest import ingest_command
from detector.cli.keys import keys_app
from detector.cli.output import console, err_console
from detector.cli.places import places_app
from detector.cli.serve import serve_command
from detector.cli.users import users_app
from detector.cli.watch import watch_command
from detector.errors import StreetOrderError
from detector.evidence.manifest import VerifyReport, verify_bundle

app = typer.Typer(
    name="streetorder",
    help="Street-order video supervision: camera ingest, incidents and evidence bundles.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.command("ingest")(ingest_command)
app.command("analyze")(analyze_command)
app.command("watch")(watch_command)
app.command("serve")(serve_command)
app.add_typer(audit_app, name="audit")
app.add_typer(keys_app, name="keys")
app.add_typer(places_app, name="places")
app.add_typer(users_app, name="users")


@app.callback()
def main(
    log_level: Annotated[
        str, typer.Option(help="Logging level: debug, info, warning, error.")
    ] = "warning",
) -> None:
    level = logging.getLevelName(log_level.upper())
    if not isinstance(level, int):
        raise typer.BadParameter(f"unknown log level {log_level!r}", param_hint="--log-level")
    logging.basicConfig(
        level=level, format="%(message)s", handlers=[RichHandler(console=err_console())]
    )


@app.command()
def demo(
    out: Annotated[Path, typer.Option(help="Folder for the rendered clip and results.")] = Path(
        "var/demo"
    ),
) -> None:
    """Render a street clip, watch it as a camera, raise an incident and verify its evidence."""
    from detector.demo.run import demo_script, run_demo

    script = demo_script()
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:.0f}/{task.total:.0f} s"),
        TimeElapsedColumn(),
        console=console(),
    ) as progress:
        task = progress.add_task("demo camera", total=script.duration_s)
        result = run_demo(out, script, on_frame=lambda t: progress.update(task, completed=t))
        progress.update(task, completed=script.duration_s)

    incident = result.incident
    box = [round(v) for v in incident.box_xyxy]
    table = Table(title="StreetOrder demo", show_header=False)
    table.add_row("frames analysed (1 fps)", str(result.frames_analysed))
    table.add_row(
        "box put down (truth)", f"{script.box_put_s:.1f} s, box_xyxy {list(script.box_xyxy)}"
    )
    table.add_row(
        "incident",
        f"{incident.type} in {incident.zone}: still since {incident.first_seen_s:.1f} s, "
        f"raised {incident.raised_s:.1f} s, box_xyxy {box}, score {incident.score:.2f}",
    )
    clip = result.bundle.clip
    table.add_row("clip", f"{clip.method.value}, {clip.start_media_s:.1f}-{clip.end_media_s:.1f} s")
    table.add_row("verify", "[green]intact[/green]" if result.report.ok else "[red]FAILED[/red]")
    console().print(table)
    # Paths and hashes as plain lines, so they can be copied whole whatever the terminal width.
    for label, value in (
        ("camera recording", result.clip_path),
        ("incidents       ", result.incidents_file),
        ("evidence bundle ", result.bundle.path),
        ("manifest sha256 ", result.bundle.manifest_sha256),
        ("check it again  ", f"streetorder verify {result.bundle.path}"),
    ):
        console().print(f"{label}: {value}", soft_wrap=True, highlight=False)
    if not result.report.ok:
        raise typer.Exit(1)


def _print_report(report: VerifyReport) -> None:
    if report.ok:
        console().print(f"[green]intact[/green]: {report.checked} files match {report.folder}")
        return
    table = Table(title=f"bundle {report.folder} FAILED verification")
    table.add_column("problem")
    table.add_column("file")
    for kind, names in (
        ("changed", report.changed),
        ("missing", report.missing),
        ("added", report.added),
    ):
        for name in names:
            table.add_row(kind, name)
    for problem in report.problems:
        table.add_row("manifest", problem)
    console().print(table)


@app.command()
def verify(
    bundle_dir: Annotated[Path, typer.Argument(help="An evidence bundle folder.")],
    expect: Annotated[
        str | None,
        typer.Option(help="The manifest SHA-256 recorded elsewhere (ticket, outbox)."),
    ] = None,
) -> None:
    """Re-hash a bundle; exit 1 if any file was changed, removed or added."""
    report = verify_bundle(bundle_dir, expect)
    _print_report(report)
    if not report.ok:
        raise typer.Exit(1)


def run() -> None:
    """Console-script entry: user mistakes become one line on stderr and exit status 1."""
    try:
        app()
    except StreetOrderError as exc:
        err_console().print(f"[red]error:[/red] {exc}", highlight=False, soft_wrap=True)
        sys.exit(1)
    except OSError as exc:
        # A path the user gave that cannot be written or read (permissions, full disk).
        where = f": {exc.filename}" if exc.filename else ""
        err_console().print(f"[red]error:[/red] {exc.strerror or exc}{where}", highlight=False)
        sys.exit(1)
    except KeyboardInterrupt:
        err_console().print("interrupted")
        sys.exit(130)


if __name__ == "__main__":
    run()
