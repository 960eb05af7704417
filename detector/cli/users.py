"""`streetorder users add USERNAME --role ROLE [--squad CODE]`: people who use the service."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from detector.cli.output import console
from detector.cli.service_db import service_session

users_app = typer.Typer(help="People who review and act on tickets.", no_args_is_help=True)


@users_app.command("add")
def add_user_command(
    username: Annotated[str, typer.Argument(help="Log-in name.")],
    role: Annotated[str, typer.Option(help="admin, supervisor or squad_member.")],
    squad: Annotated[str | None, typer.Option(help="Squad code (squad members).")] = None,
    password: Annotated[
        str,
        typer.Option(
            prompt=True,
            hide_input=True,
            confirmation_prompt=True,
            envvar="STREETORDER_NEW_PASSWORD",
            help="Asked for when not given (never put it on the command line).",
        ),
    ] = "",
    data_dir: Annotated[Path | None, typer.Option(help="The service's data folder.")] = None,
    database_url: Annotated[str | None, typer.Option(help="SQLAlchemy URL.")] = None,
) -> None:
    """Create a user; the password is stored as an argon2 hash."""
    from api.security.users import Role, add_user

    if role not in {r.value for r in Role}:
        raise typer.BadParameter(f"unknown role {role!r}", param_hint="--role")
    with service_session(data_dir, database_url, migrate=True) as session:
        add_user(session, username, password, Role(role), now=datetime.now(UTC), squad_code=squad)
    console().print(f"user {username} ({role}) added")
