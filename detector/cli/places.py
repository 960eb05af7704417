"""`streetorder places apply PLACES.yaml` / `places list`: squads, key points and cameras."""

from __future__ import annotations

import getpass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from detector.cli.output import console
from detector.cli.service_db import service_session

places_app = typer.Typer(
    help="Squads (中队), key points and cameras known to the ticket service.", no_args_is_help=True
)
DataDir = Annotated[Path | None, typer.Option(help="The service's data folder.")]
DatabaseUrl = Annotated[str | None, typer.Option(help="SQLAlchemy URL.")]


@places_app.command("apply")
def apply_command(
    places_file: Annotated[Path, typer.Argument(help="YAML with squads, key_points, cameras.")],
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Create or update everything in the file (by code); running it twice changes nothing."""
    from api.domain.places import PlacesFile
    from api.services.places import apply_places
    from detector.configfile import load_yaml_model

    places = load_yaml_model(places_file, PlacesFile)
    actor = f"cli:{getpass.getuser()}"
    with service_session(data_dir, database_url, migrate=True) as session:
        outcomes = apply_places(session, places, actor=actor, now=datetime.now(UTC))
    summary = ", ".join(f"{outcomes[k]} {k}" for k in ("created", "updated", "unchanged"))
    console().print(f"{places_file}: {summary}", highlight=False, soft_wrap=True)


@places_app.command("list")
def list_command(data_dir: DataDir = None, database_url: DatabaseUrl = None) -> None:
    """Every camera with its key point and squad."""
    from sqlalchemy import select

    from api.db.models import Camera, KeyPoint, Squad

    table = Table(title="cameras")
    for column in ("camera", "name", "key point", "category", "squad"):
        table.add_column(column)
    with service_session(data_dir, database_url, migrate=True) as session:
        query = (
            select(Camera, KeyPoint, Squad)
            .join(KeyPoint, KeyPoint.id == Camera.key_point_id)
            .join(Squad, Squad.id == Camera.squad_id)
            .order_by(Camera.id)
        )
        for camera, key_point, squad in session.execute(query):
            table.add_row(camera.id, camera.name, key_point.code, key_point.category, squad.code)
    console().print(table)
