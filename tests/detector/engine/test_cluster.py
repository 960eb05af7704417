"""How a camera's actor asks Ray for a place: read from its ``ray:`` settings, no cluster."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from detector.engine.cluster import actor_options
from detector.engine.specs import load_specs
from tests.detector.engine.conftest import write_cameras


@pytest.mark.parametrize(
    ("ray", "expected"),
    [
        ("{}", {"num_cpus": 1.0, "num_gpus": 0.0, "scheduling_strategy": "SPREAD"}),
        (
            "{num_cpus: 0.25, memory_mb: 256, placement: pack}",
            {"num_cpus": 0.25, "memory": 256 * 2**20, "scheduling_strategy": "DEFAULT"},
        ),
        (
            "{num_gpus: 0.5, resources: {district_east: 1}}",
            {"num_gpus": 0.5, "resources": {"district_east": 1.0}},
        ),
    ],
)
def test_a_camera_asks_for_what_its_ray_settings_say(
    tmp_path: Path, street_clip: Path, ray: str, expected: dict[str, Any]
) -> None:
    spec = load_specs(write_cameras(tmp_path, street_clip, ["cam-a"], ray=ray))["cam-a"]
    options = actor_options(spec)
    assert options.items() >= expected.items()
    assert (options["max_restarts"], options["max_task_retries"]) == (-1, -1)
    assert ("memory" in options) == ("memory_mb" in ray)
