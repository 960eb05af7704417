"""``streetorder dataset …`` as a user runs it: tables, exit codes, one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from detector.cli.main import app
from tests.detector.cli.test_cli import assert_one_line_error, streetorder
from tests.detector.dataset.builders import cvat_export, yolo_dataset

IMAGES = {"a-1.png": "0 0.5 0.5 0.2 0.2\n", "b-2.png": "1 0.5 0.5 0.2 0.2\n", "c-3.png": ""}


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["dataset", *args])
    return result.exit_code, result.output


def test_import_validate_stats_merge_and_split(tmp_path: Path) -> None:
    imported = tmp_path / "imported"
    code, output = invoke(
        "import", str(cvat_export(tmp_path / "cvat")), "--format", "cvat", "--out", str(imported)
    )
    assert code == 0 and "data.yaml" in output
    code, output = invoke("validate", str(imported / "data.yaml"))
    assert (code, output.split()[0]) == (0, "valid:")

    other = yolo_dataset(tmp_path / "other", {"train": IMAGES})
    merged = tmp_path / "merged"
    assert invoke("merge", str(imported / "data.yaml"), str(other), "--out", str(merged))[0] == 0
    code, output = invoke("stats", str(merged / "data.yaml"))
    assert code == 0 and "stall" in output and "clutter" in output
    code, output = invoke(
        "split", str(merged / "data.yaml"), "--val", "0.5", "--out", str(tmp_path / "s")
    )
    assert code == 0 and "train" in output


def test_validate_prints_the_problems_and_exits_1_on_an_error(tmp_path: Path) -> None:
    data = yolo_dataset(
        tmp_path, {"train": {**IMAGES, "d-4.png": "9 0.5 0.5 0.2 0.2\n", "e-5.png": None}}
    )
    code, output = invoke("validate", str(data))
    assert code == 1
    assert "unknown class" in output and "no label file" in output
    assert "1 errors, 1 warnings" in output


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (
            ("import", "missing.json", "--format", "coco", "--out", "x"),
            ("export missing.json: file not found",),
        ),
        (
            ("import", "README.md", "--format", "kitti", "--out", "x"),
            ("--format 'kitti': unknown format",),
        ),
        (
            ("import", "pyproject.toml", "--format", "labelstudio", "--out", "x"),
            ("pyproject.toml: not a JSON export",),
        ),
        (("validate", "missing.yaml"), ("missing.yaml: file not found",)),
        (
            ("from-tickets", "--out", "x", "--data-dir", "nowhere"),
            ("--data-dir nowhere: no ticket database",),
        ),
    ],
)
def test_user_mistakes_are_one_line_errors(
    args: tuple[str, ...], fragments: tuple[str, ...]
) -> None:
    assert_one_line_error(streetorder("dataset", *args), *fragments)
