"""`streetorder dataset …`: YOLO datasets from annotation exports and from reviewed tickets."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from detector.cli.output import console

if TYPE_CHECKING:
    from detector.dataset.stats import DatasetStats
    from detector.dataset.tickets import TicketExport
    from detector.dataset.validate import Problem
    from detector.dataset.yolo import WriteReport

dataset_app = typer.Typer(
    help="Detection datasets (YOLO layout): import, validate, stats, merge, split, from-tickets.",
    no_args_is_help=True,
)

MAX_PROBLEM_ROWS = 200
"""A broken dataset can have thousands of problems: the table shows this many, then counts."""

Out = Annotated[Path, typer.Option(help="New dataset folder (absent or empty).")]
Val = Annotated[
    float, typer.Option(min=0.0, max=1.0, help="Share of images for val, chosen by content hash.")
]


@dataset_app.command("import")
def import_command(
    source: Annotated[Path, typer.Argument(help="The export: a file or folder.")],
    kind_name: Annotated[
        str, typer.Option("--format", help="yolo, coco, voc, cvat or labelstudio.")
    ],
    out: Out,
    names: Annotated[
        list[str] | None,
        typer.Option(
            help="Class names in order (comma-separated or repeated); default: the source's."
        ),
    ] = None,
    val: Val = 0.2,
) -> None:
    """Convert an annotation export into a YOLO dataset (images named by content hash)."""
    from detector.dataset.convert import import_export
    from detector.dataset.formats import parse_format

    kind = parse_format(kind_name)
    chosen = [name.strip() for value in names or [] for name in value.split(",") if name.strip()]
    _print_written(import_export(kind, source, out, names=chosen, val_fraction=val))


@dataset_app.command("validate")
def validate_command(
    dataset: Annotated[Path, typer.Argument(help="The dataset's YAML (train, val, names).")],
) -> None:
    """Check boxes, classes, images and splits; exit 1 when there is any error."""
    from detector.dataset.validate import has_errors, validate_dataset

    problems = validate_dataset(dataset)
    _print_problems(dataset, problems)
    if has_errors(problems):
        raise typer.Exit(1)


@dataset_app.command("stats")
def stats_command(
    dataset: Annotated[Path, typer.Argument(help="The dataset's YAML (train, val, names).")],
) -> None:
    """Images and objects per split and class; box sizes (COCO thresholds at 640 px)."""
    from detector.dataset.stats import dataset_stats

    _print_stats(dataset_stats(dataset))


@dataset_app.command("merge")
def merge_command(
    datasets: Annotated[list[Path], typer.Argument(help="Dataset YAMLs, first one wins.")],
    out: Out,
) -> None:
    """Union of datasets: classes matched by name, each image (by content) once."""
    from detector.dataset.convert import merge_datasets

    _print_written(merge_datasets(datasets, out))


@dataset_app.command("split")
def split_command(
    dataset: Annotated[Path, typer.Argument(help="The dataset's YAML.")],
    out: Out,
    val: Val = 0.2,
) -> None:
    """Re-split into train and val by content hash: the same image always lands alike."""
    from detector.dataset.convert import split_dataset

    _print_written(split_dataset(dataset, out, val))


@dataset_app.command("from-tickets")
def from_tickets_command(
    out: Out,
    data_dir: Annotated[Path | None, typer.Option(help="The service's data folder.")] = None,
    database_url: Annotated[
        str | None, typer.Option(help="SQLAlchemy URL; default: the service's SQLite file.")
    ] = None,
    since: Annotated[
        str | None, typer.Option(help="Only tickets raised from this date (UTC) on.")
    ] = None,
    val: Val = 0.2,
) -> None:
    """Reviewed tickets as a dataset: confirmed boxes under their reviewed type, false
    detections as hard negatives, one image per scene, provenance.jsonl and dataset.json."""
    from sqlalchemy.exc import OperationalError, ProgrammingError

    from api.settings import ApiSettings
    from api.storage import DirectoryStore
    from detector.cli.service_db import service_session
    from detector.dataset.model import DatasetError
    from detector.dataset.tickets import export_reviewed, load_reviewed, parse_since
    from detector.dataset.yolo import prepare_out
    from detector.incidents.taxonomy import load_taxonomy

    moment = parse_since(since)
    prepare_out(out)
    overrides: dict[str, object] = {} if data_dir is None else {"data_dir": data_dir}
    if database_url is not None:
        overrides["database_url"] = database_url
    settings = ApiSettings.model_validate(overrides)
    if settings.database_url is None and not (settings.data_dir / "streetorder.db").is_file():
        raise DatasetError(f"--data-dir {settings.data_dir}: no ticket database in it")
    store = DirectoryStore(settings.evidence_dir)
    try:
        with service_session(data_dir, database_url, migrate=False) as session:
            tickets, skipped = load_reviewed(session, store, moment)
    except (OperationalError, ProgrammingError) as exc:
        cause = str(exc.orig).strip().splitlines()[0]
        raise DatasetError(f"ticket database: cannot read tickets: {cause}") from None
    comments = ["reviewed tickets of the StreetOrder ticket service"]
    if since is not None:
        comments.append(f"raised since {moment.isoformat() if moment else since}")
    names = load_taxonomy().violation_codes
    result = export_reviewed(
        tickets, out, names=names, val_fraction=val, comments=comments, skipped=skipped
    )
    _print_ticket_export(result)


def _print_written(report: WriteReport) -> None:
    table = Table(title=f"dataset {report.out / 'data.yaml'}")
    for column in ("split", "images", "boxes", "without boxes"):
        table.add_column(column, justify="left" if column == "split" else "right")
    for split in sorted(report.images):
        table.add_row(
            split,
            str(report.images[split]),
            str(report.boxes[split]),
            str(report.negatives[split]),
        )
    console().print(table)
    if report.duplicates:
        console().print(f"{len(report.duplicates)} duplicate images (same content) kept once")


def _print_problems(dataset: Path, problems: list[Problem]) -> None:
    from detector.dataset.validate import Severity

    if not problems:
        console().print(f"[green]valid[/green]: {dataset}", highlight=False)
        return
    table = Table(title=f"{dataset}: problems")
    for column in ("severity", "problem", "split", "file", "detail"):
        table.add_column(column, overflow="fold")
    for problem in problems[:MAX_PROBLEM_ROWS]:
        colour = "red" if problem.severity is Severity.ERROR else "yellow"
        table.add_row(
            f"[{colour}]{problem.severity}[/{colour}]",
            problem.kind.value,
            problem.split,
            problem.file,
            problem.detail,
        )
    console().print(table)
    counts = Counter(problem.kind.value for problem in problems)
    shown = ", ".join(f"{kind} {count}" for kind, count in sorted(counts.items()))
    errors = sum(problem.severity is Severity.ERROR for problem in problems)
    console().print(f"{errors} errors, {len(problems) - errors} warnings ({shown})")


def _print_stats(stats: DatasetStats) -> None:
    from detector.dataset.stats import SizeBucket

    table = Table(title="images and objects per split")
    columns = ("split", "images", "without labels", "instances", *SizeBucket, "unreadable")
    for column in columns:
        table.add_column(str(column), justify="left" if column == "split" else "right")
    for split in stats.splits:
        sizes = [str(split.sizes[bucket]) for bucket in SizeBucket]
        table.add_row(
            split.split,
            str(split.images),
            str(split.without_labels),
            str(sum(split.instances.values())),
            *sizes,
            str(split.unreadable),
        )
    console().print(table)
    classes = Table(title="instances (images) per class")
    classes.add_column("class")
    for split in stats.splits:
        classes.add_column(split.split, justify="right")
    extra = sorted({n for s in stats.splits for n in s.instances} - set(stats.names))
    for name in (*stats.names, *extra):
        cells = [f"{s.instances[name]} ({s.images_with[name]})" for s in stats.splits]
        classes.add_row(name, *cells)
    console().print(classes)


def _print_ticket_export(result: TicketExport) -> None:
    _print_written(result.report)
    console().print(
        f"{result.tickets} reviewed tickets; {result.same_scene} joined another ticket's scene; "
        f"{len(result.skipped)} left out",
        highlight=False,
    )
    for key, why in result.skipped:
        console().print(f"  {key}: {why}", highlight=False)
    console().print(f"dataset sha256 {result.dataset_sha256}", highlight=False)
