"""`streetorder models list|verify`: the model cards and their weights files, re-hashed."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from detector.cli.output import console
from detector.errors import StreetOrderError

models_app = typer.Typer(
    help="Model cards (models/*.md) and their weights in the models directory.",
    no_args_is_help=True,
)

CardsOption = Annotated[Path, typer.Option(help="Folder of model cards.")]
ModelsDirOption = Annotated[
    Path | None,
    typer.Option(
        envvar="STREETORDER_MODELS_DIR",
        help="Where the weights files are (default: var/models).",
        show_default=False,
    ),
]


def _mark(value: bool | None) -> str:
    return {True: "[green]yes[/green]", False: "[red]no[/red]", None: "-"}[value]


@models_app.command("list")
def list_command(cards: CardsOption = Path("models"), models_dir: ModelsDirOption = None) -> None:
    """One row per card: its weights file, whether it is there and whether its hash matches."""
    from detector.models import check_weights, load_cards
    from detector.models import models_dir as resolve

    directory = resolve(models_dir)
    table = Table(title=f"model cards in {cards}, weights in {directory}")
    for column in ("card", "file", "present?", "hash ok?"):
        table.add_column(column)
    for card in load_cards(cards):
        status = check_weights(card, directory)
        table.add_row(
            card.name,
            card.file,
            _mark(status.present),
            _mark(status.hash_ok if status.present else None),
        )
    console().print(table)


@models_app.command("verify")
def verify_command(
    name: Annotated[str | None, typer.Argument(help="One card's name (default: all).")] = None,
    cards: CardsOption = Path("models"),
    models_dir: ModelsDirOption = None,
) -> None:
    """Re-hash the weights of every card (or NAME); one line per problem, exit 1 if any."""
    from detector.models import check_weights, load_cards
    from detector.models import models_dir as resolve

    directory = resolve(models_dir)
    selected = load_cards(cards)
    if name is not None:
        selected = [card for card in selected if card.name == name]
        if not selected:
            raise StreetOrderError(f"model card {name!r}: not found in {cards}")
    problems = [check_weights(card, directory).problem for card in selected]
    found = [problem for problem in problems if problem is not None]
    for problem in found:
        console().print(problem, highlight=False, soft_wrap=True)
    if found:
        raise typer.Exit(1)
    console().print(f"ok: {len(selected)} weights files in {directory} match their cards")
