"""`streetorder plan draw --period 2026-12 --seed SEED`: the public draw (双随机、一公开)."""

from __future__ import annotations

import getpass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from detector.cli.output import console
from detector.cli.service_db import service_session

if TYPE_CHECKING:
    from api.plan.draw import Draw


def draw_table(published: Draw) -> Table:
    """The draw as a Rich table, one row per drawn key point, in draw order."""
    table = Table(
        title=f"draw {published.period} · seed {published.seed} · {published.procedure}",
        caption=f"inputs sha256 {published.inputs_sha256}",
    )
    for column in ("#", "key point", "name", "category", "cameras", "inspector"):
        table.add_column(column)
    for number, pick in enumerate(published.picks, start=1):
        table.add_row(
            str(number),
            pick.key_point,
            pick.name,
            pick.category,
            ", ".join(pick.cameras) or "-",
            pick.inspector,
        )
    return table


def draw_command(
    period: Annotated[str, typer.Option(help="The month drawn for, YYYY-MM (Asia/Shanghai).")],
    seed: Annotated[str, typer.Option(help="The public seed (announced before the draw).")],
    key_points: Annotated[
        int | None, typer.Option(help="How many key points to draw; default: all.")
    ] = None,
    data_dir: Annotated[Path | None, typer.Option(help="The service's data folder.")] = None,
    database_url: Annotated[str | None, typer.Option(help="SQLAlchemy URL.")] = None,
    out: Annotated[Path | None, typer.Option(help="Write the published draw here as JSON.")] = None,
) -> None:
    """Draw key points and their inspectors reproducibly from the registered places and
    supervisors; the draw is appended to the audit chain (a redraw shows there)."""
    from api.plan.draw import draw, load_inputs, record_draw

    actor = f"cli:{getpass.getuser()}"
    with service_session(data_dir, database_url, migrate=True) as session:
        published = draw(load_inputs(session), period=period, seed=seed, key_points=key_points)
        record_draw(session, published, actor=actor, now=datetime.now(UTC))
        if out is not None:
            # Inside the transaction: a draw that cannot be published is not recorded either.
            out.write_text(published.model_dump_json(indent=2) + "\n", encoding="utf-8")
    console().print(draw_table(published))
    if out is not None:
        console().print(f"published: {out}", highlight=False, soft_wrap=True)
