"""Writing samples as a YOLO dataset: ``import`` from an export, ``merge`` and ``split``.

All three go through ``YoloWriter``, so images are named by content and each content is
written once; a sample without a split from its source gets the hash split.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from detector.dataset.formats import ExportFormat, read_export
from detector.dataset.formats.yolo_source import read_yolo
from detector.dataset.model import DatasetError, Sample, sha256_file, split_of, yolo_line
from detector.dataset.yolo import WriteReport, YoloWriter

DEFAULT_VAL = 0.2


def output_names(source_names: Sequence[str], samples: Iterable[Sample]) -> tuple[str, ...]:
    """The source's names in its order, then any name only its boxes use, sorted."""
    used = {box.name for sample in samples for box in sample.boxes}
    extra = sorted(used - set(source_names))
    return tuple(dict.fromkeys([*source_names, *extra]))


def check_names(names: Sequence[str], samples: Iterable[Sample]) -> None:
    """``--names`` chooses the classes: a box of any other class is a mistake to show, not to
    drop quietly (it would become background)."""
    unknown = sorted({box.name for sample in samples for box in sample.boxes} - set(names))
    if unknown:
        raise DatasetError(f"--names: the source also has {', '.join(map(repr, unknown))}")


def write_samples(
    writer: YoloWriter, samples: Iterable[Sample], val_fraction: float, *, resplit: bool = False
) -> None:
    ids = {name: index for index, name in enumerate(writer.names)}
    for sample in samples:
        digest = sha256_file(sample.image)
        split = sample.split
        if split is None or resplit:
            split = split_of(digest, val_fraction)
        lines = [yolo_line(ids[box.name], box) for box in sample.boxes]
        writer.add(sample.image, split, lines, digest)


def import_export(
    kind: ExportFormat,
    source: Path,
    out: Path,
    *,
    names: Sequence[str] = (),
    val_fraction: float = DEFAULT_VAL,
) -> WriteReport:
    imported = read_export(kind, source, names)
    if names:
        check_names(names, imported.samples)
        chosen = tuple(names)
    else:
        chosen = output_names(imported.names, imported.samples)
    writer = YoloWriter(out, chosen)
    write_samples(writer, imported.samples, val_fraction)
    return writer.finish([f"imported from {kind.value} export {source}"])


def merge_datasets(sources: Sequence[Path], out: Path) -> WriteReport:
    """Classes are matched by name (ids renumbered in order of first appearance); an image in
    several datasets is kept once, with the labels and split of the first one listed."""
    read = [read_yolo(source, ()) for source in sources]
    names: dict[str, None] = {}
    for imported in read:
        names.update(dict.fromkeys(output_names(imported.names, imported.samples)))
    writer = YoloWriter(out, tuple(names))
    for imported in read:
        write_samples(writer, imported.samples, DEFAULT_VAL)
    return writer.finish(["merged from " + ", ".join(map(str, sources))])


def split_dataset(source: Path, out: Path, val_fraction: float) -> WriteReport:
    """Every image (test split too) into train or val by its content hash."""
    imported = read_yolo(source, ())
    writer = YoloWriter(out, output_names(imported.names, imported.samples))
    write_samples(writer, imported.samples, val_fraction, resplit=True)
    return writer.finish([f"split from {source}: val share {val_fraction:g} by content hash"])
