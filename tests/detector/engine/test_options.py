"""A camera's ``ray:`` settings: what Ray would refuse is refused when the file is read."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from detector.engine.options import RayOptions
from detector.engine.shared_model import model_actor_index


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({"num_cpus": 0.00001}, "num_cpus"),
        ({"num_gpus": 0.000001}, "Ray counts no finer"),
        ({"resources": {"GPU": 1}}, "GPU: use num_cpus, num_gpus and memory_mb instead"),
        ({"resources": {"memory": 1}}, "memory: use num_cpus"),
        ({"resources": {"east": -1}}, "resources.east"),
        ({"resources": {"district east": 1}}, "district east"),
        ({"model_actors": 0}, "model_actors"),
    ],
)
def test_settings_ray_would_refuse_are_refused(settings: dict[str, Any], expected: str) -> None:
    with pytest.raises(ValidationError, match=expected):
        RayOptions.model_validate(settings)


def test_cameras_keep_their_model_actor_and_spread_over_several() -> None:
    cameras = [f"cam-{n:03d}" for n in range(400)]
    first = [model_actor_index(c, 4) for c in cameras]
    assert first == [model_actor_index(c, 4) for c in cameras]  # the same one on every start
    shares = [first.count(i) for i in range(4)]
    assert min(shares) >= 70  # even enough: no actor gets a third of the cameras
    assert {model_actor_index(c, 1) for c in cameras} == {0}
