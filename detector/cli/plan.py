"""`streetorder plan check PLAN.yaml` (validate a yearly supervision plan, show its targets) and
`streetorder plan draw` (the double-random draw, in detector/cli/plan_draw.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from detector.cli.output import console
from detector.cli.plan_draw import draw_command

plan_app = typer.Typer(
    help="The yearly supervision plan (targets per squad).", no_args_is_help=True
)


@plan_app.command("check")
def check_command(
    plan_file: Annotated[Path, typer.Argument(help="The plan's YAML (see docs/plan-2026.yaml).")],
) -> None:
    """Validate the file (one-line errors naming file, field and value); print its targets."""
    from api.plan.model import Plan
    from api.plan.periods import periods_between, year_bounds
    from detector.configfile import load_yaml_model

    plan = load_yaml_model(plan_file, Plan)
    first, last = year_bounds(plan.year, plan.zone)
    table = Table(
        title=f"plan {plan.year} · {plan.timezone}",
        caption=(
            f"warn {plan.warn_days_before_end} days before a period ends short · repeat: "
            f"{plan.repeat.threshold} problems in {plan.repeat.window_days} days"
        ),
    )
    table.add_column("metric", no_wrap=True, min_width=len("street_inspections"))
    for column in ("at least", "per", "periods", "first", "last"):
        table.add_column(column, no_wrap=True)
    table.add_column("wording", overflow="fold")
    for target in plan.targets:
        periods = periods_between(first, last, target.period, plan.zone)
        table.add_row(
            target.metric.value,
            str(target.at_least),
            target.period.value,
            str(len(periods)),
            periods[0].label,
            periods[-1].label,
            target.description,
        )
    console().print(table)


# The draw lives in its own module (it needs the service database); it is a plan command.
plan_app.command("draw")(draw_command)
