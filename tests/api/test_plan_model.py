"""The plan file: the example loads; mistakes are refused with one line naming field and value."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.plan.model import Metric, PeriodKind, Plan
from detector.configfile import load_yaml_model
from detector.errors import ConfigError
from tests.factories import REPO_ROOT

EXAMPLE = REPO_ROOT / "docs" / "plan-2026.yaml"


def test_the_example_plan_has_the_bureaus_four_targets() -> None:
    plan = load_yaml_model(EXAMPLE, Plan)
    assert (plan.year, plan.timezone, plan.warn_days_before_end) == (2026, "Asia/Shanghai", 3)
    assert (plan.repeat.threshold, plan.repeat.window_days) == (3, 30)
    assert [(t.metric, t.period, t.at_least) for t in plan.targets] == [
        (Metric.STREET_INSPECTIONS, PeriodKind.WEEK, 2),
        (Metric.PROBLEMS_RECTIFIED, PeriodKind.MONTH, 16),
        (Metric.VIDEO_CHECKS, PeriodKind.MONTH, 50),
        (Metric.DISTRICT_COVERAGE, PeriodKind.MONTH, 1),
    ]


def test_defaults() -> None:
    plan = Plan.model_validate(
        {"year": 2027, "targets": [{"metric": "video_checks", "period": "month", "at_least": 5}]}
    )
    assert (plan.timezone, plan.warn_days_before_end, plan.repeat.threshold) == (
        "Asia/Shanghai",
        3,
        3,
    )


TARGET = "targets:\n  - {metric: video_checks, period: month, at_least: 50}\n"


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ("year: 2026\ntimezone: Mars/Base\n" + TARGET, ["timezone", "Mars/Base"]),
        ("year: 1999\n" + TARGET, ["year", "1999"]),
        ("year: 2026\nwarn_days_before_end: -1\n" + TARGET, ["warn_days_before_end", "-1"]),
        ("year: 2026\ntargets: []\n", ["targets"]),
        (
            "year: 2026\ntargets:\n  - {metric: patrols, period: month, at_least: 2}\n",
            ["targets.0.metric", "patrols"],
        ),
        (
            "year: 2026\ntargets:\n  - {metric: video_checks, period: day, at_least: 2}\n",
            ["targets.0.period", "day"],
        ),
        (
            "year: 2026\ntargets:\n  - {metric: video_checks, period: month, at_least: 0}\n",
            ["targets.0.at_least", "0"],
        ),
        ("year: 2026\nsquads: [east]\n" + TARGET, ["squads", "Extra inputs"]),
        ("year: 2026\nrepeat: {threshold: 3, days: 30}\n" + TARGET, ["repeat.days"]),
        ("year: 2026\n" + TARGET + TARGET.split("\n")[1] + "\n", ["video_checks", "twice"]),
    ],
)
def test_mistakes_are_one_line_naming_file_field_and_value(
    tmp_path: Path, text: str, fragments: list[str]
) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_yaml_model(path, Plan)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: ")
    for fragment in fragments:
        assert fragment in message
