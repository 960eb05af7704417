"""`streetorder keys add NAME`: an API key for a detector node, printed once."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from detector.cli.output import console
from detector.cli.service_db import service_session

keys_app = typer.Typer(help="Detector nodes' API keys.", no_args_is_help=True)


@keys_app.command("add")
def add_key(
    name: Annotated[str, typer.Argument(help="Which node the key is for, e.g. district-3-node-1.")],
    data_dir: Annotated[Path | None, typer.Option(help="The service's data folder.")] = None,
    database_url: Annotated[str | None, typer.Option(help="SQLAlchemy URL.")] = None,
) -> None:
    """Create a key; only its hash is stored, so copy it now."""
    from api.security.api_keys import issue_key

    with service_session(data_dir, database_url, migrate=True) as session:
        issued = issue_key(session, name, now=datetime.now(UTC))
    console().print(f"API key for {issued.name} (shown once): {issued.plain}", soft_wrap=True)
