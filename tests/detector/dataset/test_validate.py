"""``dataset validate``: each kind of problem is caught, a clean dataset passes."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from detector.dataset.model import DatasetError
from detector.dataset.validate import Kind, Severity, check_line, has_errors, validate_dataset
from tests.detector.dataset.builders import write_image, yolo_dataset

CLEAN = {
    "train": {"a-1.png": "0 0.5 0.5 0.2 0.2\n", "b-2.png": "1 0.25 0.25 0.5 0.5\n"},
    "val": {"c-3.png": "", "d-4.png": "0 0.1 0.9 0.2 0.2\n"},
}


def clean(root: Path) -> Path:
    return yolo_dataset(root, CLEAN)


def _label(root: Path, text: str) -> None:
    (root / "labels" / "train" / "a-1.txt").write_text(text)


MUTATIONS: list[tuple[str, Callable[[Path], object], Kind]] = [
    ("outside the image", lambda r: _label(r, "0 0.95 0.5 0.2 0.2\n"), Kind.OUT_OF_RANGE),
    ("negative coordinate", lambda r: _label(r, "0 -0.1 0.5 0.1 0.1\n"), Kind.OUT_OF_RANGE),
    ("zero width", lambda r: _label(r, "0 0.5 0.5 0 0.2\n"), Kind.EMPTY_BOX),
    ("unknown class", lambda r: _label(r, "7 0.5 0.5 0.2 0.2\n"), Kind.UNKNOWN_CLASS),
    ("not numbers", lambda r: _label(r, "0 a b c d\n"), Kind.MALFORMED),
    (
        "label without image",
        lambda r: (r / "labels" / "train" / "ghost.txt").write_text(""),
        Kind.ORPHAN_LABEL,
    ),
    (
        "undecodable image",
        lambda r: (r / "images" / "train" / "a-1.png").write_bytes(b"\x89PNG broken"),
        Kind.UNDECODABLE,
    ),
    (
        "duplicate within a split",
        lambda r: shutil.copy(r / "images" / "train" / "a-1.png", r / "images" / "train" / "z.png"),
        Kind.DUPLICATE,
    ),
    (
        "shared by train and val",
        lambda r: shutil.copy(r / "images" / "train" / "a-1.png", r / "images" / "val" / "z.png"),
        Kind.SHARED,
    ),
]


def test_a_clean_dataset_has_no_problem(tmp_path: Path) -> None:
    assert validate_dataset(clean(tmp_path)) == []


@pytest.mark.parametrize(
    ("mutate", "kind"), [(m, k) for _, m, k in MUTATIONS], ids=[n for n, _, _ in MUTATIONS]
)
def test_each_problem_is_an_error(
    mutate: Callable[[Path], object], kind: Kind, tmp_path: Path
) -> None:
    data = clean(tmp_path)
    mutate(tmp_path)
    problems = validate_dataset(data)
    assert kind in {problem.kind for problem in problems}, problems
    assert has_errors(problems)


def test_an_image_without_labels_is_only_a_warning(tmp_path: Path) -> None:
    data = clean(tmp_path)
    write_image(tmp_path / "images" / "train" / "e.png", 5)
    (problem,) = validate_dataset(data)
    assert (problem.kind, problem.severity, problem.file) == (
        Kind.NO_LABELS,
        Severity.WARNING,
        "images/train/e.png",
    )
    assert not has_errors([problem])


@pytest.mark.parametrize(
    ("line", "kinds"),
    [
        ("0 0.5 0.5 0.2 0.2", []),
        ("1 0.1 0.1 0.2 0.2", []),  # touches the corner exactly
        ("0 0.1 0.1 0.2000004 0.2", []),  # rounding, within tolerance
        ("0 0.1 0.1 0.3 0.2", [Kind.OUT_OF_RANGE]),
        ("0 1.2 0.5 0.1 0.1", [Kind.OUT_OF_RANGE]),
        ("0 0.5 0.5 -0.1 0.2", [Kind.EMPTY_BOX]),
        ("2 0.5 0.5 0.2 0.2", [Kind.UNKNOWN_CLASS]),
        ("-1 0.5 0.5 0 0", [Kind.UNKNOWN_CLASS, Kind.EMPTY_BOX]),
        ("0.5 0.5 0.5 0.2 0.2", [Kind.MALFORMED]),
        ("0 0.5 0.5 0.2", [Kind.MALFORMED]),
        ("0 0.5 0.5 0.2 nan", [Kind.MALFORMED]),
        ("0 0.1 0.1 0.3 0.1 0.3 0.4", []),  # a polygon, read as its box
    ],
)
def test_check_line(line: str, kinds: list[Kind]) -> None:
    assert [kind for kind, _ in check_line(line, class_count=2)] == kinds


def test_a_dataset_yaml_without_names_is_one_error(tmp_path: Path) -> None:
    (tmp_path / "data.yaml").write_text("train: images/train\nval: images/val\n")
    with pytest.raises(DatasetError, match="names: missing"):
        validate_dataset(tmp_path / "data.yaml")
