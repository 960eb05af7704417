"""`streetorder report`: the monthly or quarterly report from the service database to a file,
and one-line errors for a bad period, an unknown squad or a missing plan."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from detector.cli.main import app
from tests.detector.cli.test_cli import assert_one_line_error, streetorder

PLAN = "docs/plan-2026.yaml"
PLACES_YAML = """\
squads:
  - {code: north, name: 北街中队}
key_points:
  - {code: north-school, name: XX小学门口, category: school, squad: north}
cameras:
  - {id: cam-north-1, name: 校门东, key_point: north-school}
"""


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    places = tmp_path / "places.yaml"
    places.write_text(PLACES_YAML, encoding="utf-8")
    folder = tmp_path / "service"
    applied = CliRunner().invoke(app, ["places", "apply", str(places), "--data-dir", str(folder)])
    assert applied.exit_code == 0, applied.output
    return folder


def test_the_report_is_written_as_csv_or_pdf(data_dir: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "november.csv"
    args = ["report", "2026-11", "--plan", PLAN, "--data-dir", str(data_dir)]
    done = runner.invoke(app, [*args, "--squad", "north", "--out", str(out)])
    assert done.exit_code == 0, done.output
    assert str(out) in done.output
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    targets = {r["key"] for r in rows if r["section"] == "target" and r["squad"] == "north"}
    assert "problems_rectified.count" in targets
    pdf = tmp_path / "q4.pdf"
    quarter = ["report", "2026-Q4", "--plan", PLAN, "--data-dir", str(data_dir)]
    done = runner.invoke(app, [*quarter, "--format", "pdf", "--out", str(pdf)])
    assert done.exit_code == 0, done.output
    assert pdf.read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["2026-11", "--squad", "south"], ["squad", "south"]),
        (["2026-W48"], ["period", "YYYY-MM", "2026-W48"]),
        (["2025-11"], ["2025-11", "plan's year 2026"]),
    ],
)
def test_mistakes_are_one_line(
    data_dir: Path, tmp_path: Path, args: list[str], fragments: list[str]
) -> None:
    out = str(tmp_path / "r.html")
    result = streetorder("report", *args, "--plan", PLAN, "--data-dir", str(data_dir), "--out", out)
    assert_one_line_error(result, *fragments)


def test_an_unknown_format_or_no_plan_is_one_line(data_dir: Path, tmp_path: Path) -> None:
    base = ["report", "2026-11", "--data-dir", str(data_dir)]
    unknown = streetorder(*base, "--plan", PLAN, "--out", str(tmp_path / "r.xlsx"))
    assert_one_line_error(unknown, "--format", "r.xlsx")
    if "STREETORDER_PLAN_FILE" not in os.environ:  # the service's own plan stands in
        no_plan = streetorder(*base, "--out", str(tmp_path / "r.csv"))
        assert_one_line_error(no_plan, "--plan", "STREETORDER_PLAN_FILE")
