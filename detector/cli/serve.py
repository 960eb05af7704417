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
    plan: Annotated[
        Path | None,
        typer.Option(
            help="The yearly supervision plan (YAML, see docs/plan-2026.yaml); default: "
            "STREETORDER_PLAN_FILE.",
            dir_okay=False,
        ),
    ] = None,
) -> None:
    """Run the ticket service; migrations are applied at start."""
    import uvicorn

    from api.main import create_app
    from api.settings import ApiSettings

    overrides: dict[str, Path] = {}
    if data_dir is not None:
        overrides["data_dir"] = data_dir
    if plan is not None:
        overrides["plan_file"] = plan
    settings = ApiSettings(**overrides)  # type: ignore[arg-type]
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info")
