"""The ticket service's database, opened by the CLI's service commands (audit, keys, users)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


@contextmanager
def service_session(
    data_dir: Path | None, database_url: str | None, *, migrate: bool
) -> Iterator[Session]:
    """One committed transaction on the service's database (settings as ``serve`` reads them,
    overridden by the command's options); ``migrate`` first brings the schema up to date."""
    from api.db.engine import Database
    from api.db.migrate import upgrade
    from api.settings import ApiSettings

    overrides: dict[str, object] = {}
    if data_dir is not None:
        overrides["data_dir"] = data_dir
    if database_url is not None:
        overrides["database_url"] = database_url
    database = Database(ApiSettings.model_validate(overrides).effective_database_url)
    try:
        if migrate:
            upgrade(database.engine)
        with database.session() as session:
            yield session
    finally:
        database.dispose()
