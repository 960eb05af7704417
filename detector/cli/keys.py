"""`streetorder keys add NAME`: an API key for a detector node, printed once."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from detector.cli.output import console

keys_app = typer.Typer(help="Detector nodes' API keys.", no_args_is_help=True)


@keys_app.command("add")
def add_key(
    name: Annotated[str, typer.Argument(help="Which node the key is for, e.g. district-3-node-1.")],
    data_dir: Annotated[Path | None, typer.Option(help="The service's data folder.")] = None,
    database_url: Annotated[str | None, typer.Option(help="SQLAlchemy URL.")] = None,
) -> None:
    """Create a key; only its hash is stored, so copy it now."""
    from api.db.engine import Database
    from api.db.migrate import upgrade
    from api.security.api_keys import issue_key
    from api.settings import ApiSettings

    overrides: dict[str, object] = {}
    if data_dir is not None:
        overrides["data_dir"] = data_dir
    if database_url is not None:
        overrides["database_url"] = database_url
    database = Database(ApiSettings.model_validate(overrides).effective_database_url)
    try:
        upgrade(database.engine)
        with database.session() as session:
            issued = issue_key(session, name, now=datetime.now(UTC))
    finally:
        database.dispose()
    console().print(f"API key for {issued.name} (shown once): {issued.plain}", soft_wrap=True)
