"""`streetorder audit verify`: check the ticket service's audit chain in its database."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from detector.cli.output import console
from detector.cli.service_db import service_session

audit_app = typer.Typer(
    help="The ticket service's tamper-evident audit chain.", no_args_is_help=True
)


@audit_app.command("verify")
def verify_command(
    database_url: Annotated[
        str | None, typer.Option(help="SQLAlchemy URL; default: the service's SQLite file.")
    ] = None,
    data_dir: Annotated[Path | None, typer.Option(help="The service's data folder.")] = None,
    expect_head: Annotated[
        str | None, typer.Option(help="The newest record's hash, as anchored elsewhere.")
    ] = None,
) -> None:
    """Re-hash every audit record; exit 1 on any edited, reordered or deleted record."""
    from api.services import audit_log

    with service_session(data_dir, database_url, migrate=False) as session:
        problems = audit_log.verify(session, anchored_head=expect_head)
        newest = audit_log.head(session)
    if problems:
        for problem in problems:
            console().print(f"[red]tampered:[/red] {problem}", highlight=False)
        raise typer.Exit(1)
    count = 0 if newest is None else newest.seq
    console().print(
        f"[green]intact:[/green] {count} records, head {newest.hash if newest else '-'}"
    )
