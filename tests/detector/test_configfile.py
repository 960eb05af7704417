from __future__ import annotations

from pathlib import Path

import pytest

from detector.configfile import load_yaml_model
from detector.errors import ConfigError
from detector.sources.config import CameraConfig


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ("id: c1\nsource: a.mp4\n", []),
        ("- a\n- b\n", ["expected a mapping at the top level, got list"]),
        ("id: c1\nsource: [unclosed\n", ["not valid YAML at line"]),
        ("id: 'bad id!'\nsource: a.mp4\n", ["id: String should match pattern", "'bad id!'"]),
        ("id: c1\nsource: a.mp4\nsampling: {rate_fps: 0}\n", ["sampling.rate_fps", "(got 0)"]),
        ("id: c1\nsource: a.mp4\nevidence: {buffer_s: 500}\n", ["evidence.buffer_s", "500"]),
        (
            "id: c1\nsource: a.mp4\nevidence: {buffer_s: 10, pre_roll_s: 20}\n",
            ["buffer_s (10.0) must be at least pre_roll_s + post_roll_s + 4 s (34)"],
        ),
        (
            "id: c1\nsource: a.mp4\nlive: {backoff_initial_s: 30, backoff_max_s: 5}\n",
            ["backoff_max_s must be at least backoff_initial_s"],
        ),
        ("id: c1\nsource: a.mp4\nfps: 5\n", ["fps: Extra inputs are not permitted"]),
    ],
)
def test_camera_yaml(tmp_path: Path, text: str, fragments: list[str]) -> None:
    path = tmp_path / "camera.yaml"
    path.write_text(text)
    if not fragments:
        assert load_yaml_model(path, CameraConfig).id == "c1"
        return
    with pytest.raises(ConfigError) as caught:
        load_yaml_model(path, CameraConfig)
    message = str(caught.value)
    assert message.startswith(f"{path}: ")
    assert "\n" not in message
    for fragment in fragments:
        assert fragment in message
