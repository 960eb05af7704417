"""The `streetorder` command line (Typer + Rich)."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.logging import RichHandler
from rich.markup import escape
from rich.table import Table

from detector.cli.analyze import analyze_command
from detector.cli.audit import audit_app
from detector.cli.dataset import dataset_app
from detector.cli.demo import demo_command
from detector.cli.export import export_command
from detector.cli.ingest import ingest_command
from detector.cli.inspect import inspect_command
from detector.cli.keys import keys_app
from detector.cli.look_back import look_back_command
from detector.cli.models import models_app
from detector.cli.output import console, err_console
from detector.cli.places import places_app
from detector.cli.plan import plan_app
from detector.cli.report import report_command
from detector.cli.serve import serve_command
from detector.cli.train import eval_command, eval_tickets_command, train_command
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
app.command("demo")(demo_command)
app.command("ingest")(ingest_command)
app.command("analyze")(analyze_command)
app.command("watch")(watch_command)
app.command("serve")(serve_command)
app.command("train")(train_command)
app.command("eval")(eval_command)
app.command("eval-tickets")(eval_tickets_command)
app.command("export")(export_command)
app.command("inspect")(inspect_command)
app.command("look-back")(look_back_command)
app.command("report")(report_command)
app.add_typer(audit_app, name="audit")
app.add_typer(dataset_app, name="dataset")
app.add_typer(keys_app, name="keys")
app.add_typer(models_app, name="models")
app.add_typer(places_app, name="places")
app.add_typer(plan_app, name="plan")
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
        # escape: a message may quote brackets (a path, `streetorder[ray]`), not Rich markup
        message = escape(str(exc))
        err_console().print(f"[red]error:[/red] {message}", highlight=False, soft_wrap=True)
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
