"""`streetorder serve`: the ticket service (FastAPI under uvicorn)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def serve_command(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
    data_dir: Annotated[
        Path | None, typer.Option(help="Data folder (SQLite file, evidence).")
    ] = None,
) -> None:
    """Run the ticket service; migrations are applied at start."""
    import uvicorn

    from api.main import create_app
    from api.settings import ApiSettings

    settings = ApiSettings() if data_dir is None else ApiSettings(data_dir=data_dir)
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info")
