"""`streetorder plan check`: the targets as a table, or one line naming file, field and value."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.detector.cli.test_cli import assert_one_line_error, streetorder


def test_check_prints_the_example_plans_targets() -> None:
    result = streetorder("plan", "check", "docs/plan-2026.yaml")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for fragment in ("plan 2026", "Asia/Shanghai", "2026-W53", "2026-12", "warn 3 days"):
        assert fragment in out


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        (
            "year: 2026\ntargets:\n  - {metric: video_checks, period: fortnight, at_least: 5}\n",
            ["targets.0.period", "fortnight"],
        ),
        ("year: 2026\ntimezone: Asia/Beijing\ntargets: []\n", ["timezone", "Asia/Beijing"]),
        ("- not a mapping\n", ["expected a mapping"]),
    ],
)
def test_check_errors_are_one_line(tmp_path: Path, text: str, fragments: list[str]) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text(text, encoding="utf-8")
    assert_one_line_error(streetorder("plan", "check", str(path)), str(path), *fragments)


def test_check_a_missing_file() -> None:
    assert_one_line_error(streetorder("plan", "check", "no-such-plan.yaml"), "no-such-plan.yaml")
