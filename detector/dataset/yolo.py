"""The YOLO layout as Ultralytics reads it: ``data.yaml``, image folders, one label file each.

Reading follows Ultralytics' own rules (a split is a folder or a ``.txt`` list of images; an
image's labels are at the same path with the last ``images`` folder replaced by ``labels``
and a ``.txt`` suffix), so what is checked here is what training will load.
"""

from __future__ import annotations

import math
import os
import shutil
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from detector.dataset.model import (
    IMAGE_SUFFIXES,
    SPLITS,
    DatasetError,
    Split,
    hashed_name,
    sha256_file,
)


@dataclass(frozen=True)
class SplitFiles:
    """One split's images and the folders its label files live in."""

    split: Split
    images: tuple[Path, ...]
    label_dirs: tuple[Path, ...]


@dataclass(frozen=True)
class YoloDataset:
    yaml_path: Path
    names: tuple[str, ...]
    splits: tuple[SplitFiles, ...]

    def split(self, name: Split) -> SplitFiles | None:
        return next((files for files in self.splits if files.split == name), None)


@dataclass(frozen=True)
class LabelLine:
    """One object of a label file; a polygon line is reduced to its bounding box."""

    class_id: int
    cx: float
    cy: float
    w: float
    h: float


def label_path(image: Path) -> Path:
    """Where Ultralytics looks for ``image``'s labels."""
    parts = list(image.parts)
    for index in range(len(parts) - 2, -1, -1):
        if parts[index] == "images":
            parts[index] = "labels"
            return Path(*parts).with_suffix(".txt")
    return image.with_suffix(".txt")


def parse_line(text: str) -> LabelLine:
    """One label line; ``ValueError`` says what is wrong with it."""
    fields = text.split()
    if len(fields) != 5 and (len(fields) < 7 or len(fields) % 2 == 0):
        raise ValueError(f"{len(fields)} values: want 'class cx cy w h' or a polygon")
    try:
        class_id = int(fields[0])
    except ValueError:
        raise ValueError(f"class {fields[0]!r} is not a whole number") from None
    try:
        values = [float(value) for value in fields[1:]]
    except ValueError as exc:
        raise ValueError(f"not a number: {exc}") from None
    if not all(math.isfinite(value) for value in values):
        raise ValueError("a coordinate is not finite")
    if len(values) == 4:
        return LabelLine(class_id, *values)
    xs, ys = values[0::2], values[1::2]
    x1, x2, y1, y2 = min(xs), max(xs), min(ys), max(ys)
    return LabelLine(class_id, (x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1)


def read_label_text(path: Path) -> str | None:
    """A label file's text; None when there is none (an image without labels)."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise DatasetError(f"labels {path}: cannot read: {exc}") from None


def _names(raw: Any, source: Path) -> tuple[str, ...]:
    if isinstance(raw, list) and all(isinstance(name, str) for name in raw):
        return tuple(raw)
    if isinstance(raw, dict):
        ids = sorted(raw)
        if ids != list(range(len(ids))):
            raise DatasetError(f"{source}: names: class ids must be 0..{len(ids) - 1}")
        return tuple(str(raw[index]) for index in ids)
    raise DatasetError(f"{source}: names: want a list or a mapping of id to name")


def _images_under(folder: Path) -> list[Path]:
    return sorted(
        path
        for path in folder.rglob("*")
        if path.suffix.lower() in IMAGE_SUFFIXES and path.is_file()
    )


def _split_files(split: Split, entries: Sequence[str], root: Path, source: Path) -> SplitFiles:
    images: list[Path] = []
    label_dirs: list[Path] = []
    for entry in entries:
        place = (root / entry).resolve()
        if place.is_dir():
            images += _images_under(place)
            label_dirs.append(label_path(place / "x.jpg").parent)
        elif place.suffix == ".txt" and place.is_file():
            lines = place.read_text(encoding="utf-8").splitlines()
            listed = [(place.parent / line.strip()).resolve() for line in lines if line.strip()]
            images += listed
            label_dirs += sorted({label_path(image).parent for image in listed})
        else:
            raise DatasetError(f"{source}: {split}: {place} is neither a folder nor a .txt list")
    return SplitFiles(split, tuple(images), tuple(dict.fromkeys(label_dirs)))


def read_dataset(yaml_path: Path) -> YoloDataset:
    """``data.yaml`` and its splits; a relative ``path:`` is taken from the file's folder."""
    try:
        raw = yaml.safe_load(yaml_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DatasetError(f"{yaml_path}: file not found") from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise DatasetError(f"{yaml_path}: cannot read: {' '.join(str(exc).split())}") from None
    if not isinstance(raw, dict):
        raise DatasetError(f"{yaml_path}: not a dataset YAML (want train, val and names)")
    if "names" not in raw:
        raise DatasetError(f"{yaml_path}: names: missing")
    names = _names(raw["names"], yaml_path)
    root = yaml_path.parent / str(raw.get("path") or ".")
    splits = []
    for split in SPLITS:
        entry = raw.get(split)
        if entry is None:
            if split != "test":
                raise DatasetError(f"{yaml_path}: {split}: missing")
            continue
        entries = [entry] if isinstance(entry, str) else entry
        if not isinstance(entries, list) or not all(isinstance(e, str) for e in entries):
            raise DatasetError(f"{yaml_path}: {split}: want a folder or a list of folders")
        splits.append(_split_files(split, entries, root, yaml_path))
    return YoloDataset(yaml_path, names, tuple(splits))


@dataclass
class WriteReport:
    """What a writer put into the dataset and what it left out."""

    out: Path
    images: Counter[str] = field(default_factory=Counter)
    boxes: Counter[str] = field(default_factory=Counter)
    negatives: Counter[str] = field(default_factory=Counter)
    duplicates: list[tuple[Path, str]] = field(default_factory=list)
    """(an image left out, the dataset file with the same content that was kept)."""


def prepare_out(out: Path) -> None:
    """Refuse to mix a new dataset into an old one's folder."""
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise DatasetError(f"--out {out}: exists and is not an empty folder")


class YoloWriter:
    """Writes a dataset folder, each image under its content hash, each content once."""

    def __init__(self, out: Path, names: Sequence[str], *, link: bool = True) -> None:
        prepare_out(out)
        self.out = out
        self.names = tuple(names)
        self.link = link
        self.report = WriteReport(out)
        self._kept: dict[str, str] = {}

    def add(
        self, image: Path, split: Split, lines: Sequence[str], sha256: str | None = None
    ) -> str:
        """Place ``image`` with ``lines`` (YOLO label lines, none for a negative); returns its
        path in the dataset. Content seen before is not written again: the first copy wins."""
        digest = sha256 or sha256_file(image)
        if digest in self._kept:
            self.report.duplicates.append((image, self._kept[digest]))
            return self._kept[digest]
        name = hashed_name(digest, image.suffix)
        target = self.out / "images" / split / name
        target.parent.mkdir(parents=True, exist_ok=True)
        self._place(image, target)
        labels = self.out / "labels" / split / Path(name).with_suffix(".txt")
        labels.parent.mkdir(parents=True, exist_ok=True)
        labels.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
        kept = target.relative_to(self.out).as_posix()
        self._kept[digest] = kept
        self.report.images[split] += 1
        self.report.boxes[split] += len(lines)
        self.report.negatives[split] += not lines
        return kept

    def _place(self, image: Path, target: Path) -> None:
        if self.link:
            try:
                target.hardlink_to(image)
                return
            except OSError:
                pass  # another file system (or no links there): a copy does the same job
        try:
            shutil.copyfile(image, target)
        except FileNotFoundError:
            raise DatasetError(f"image {image}: file not found") from None

    def finish(self, comments: Sequence[str] = ()) -> WriteReport:
        """Write ``data.yaml`` (train and val always exist: Ultralytics needs both)."""
        for split in ("train", "val"):
            (self.out / "images" / split).mkdir(parents=True, exist_ok=True)
            (self.out / "labels" / split).mkdir(parents=True, exist_ok=True)
        document: dict[str, Any] = {"train": "images/train", "val": "images/val"}
        if self.report.images["test"]:
            document["test"] = "images/test"
        document["names"] = dict(enumerate(self.names))
        header = "".join(f"# {line}\n" for line in comments)
        # No ``path:`` key: Ultralytics then resolves the splits from this file's folder.
        body = yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
        (self.out / "data.yaml").write_text(header + body, encoding="utf-8")
        return self.report


def relative(path: Path, base: Path) -> str:
    """``path`` as shown to a person: relative to ``base`` where it lies under it."""
    try:
        return Path(os.path.relpath(path, base)).as_posix() if path.is_absolute() else str(path)
    except ValueError:
        return str(path)
