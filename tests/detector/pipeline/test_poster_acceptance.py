"""A wall camera end to end: a poster stuck up is one illegal_ad; the shop sign never is."""

from __future__ import annotations

from pathlib import Path

import pytest

from detector.analyzers.text import TextConfig
from detector.demo.encode import write_video
from detector.pipeline.analyzers import AnalyzerSettings, build_analyzers
from detector.pipeline.camera import CameraPipeline
from detector.rules.scene import SceneConfig
from tests.detector.analyzers.text.scenes import Poster, WallScene, iou
from tests.factories import make_camera

POSTER_S = 25.0
FPS = 2


def wall_scene() -> SceneConfig:
    return SceneConfig.model_validate(
        {
            "camera": {"id": "wall-cam", "key_point": "metro_station"},
            "zones": [
                {"name": "wall", "type": "wall", "polygon": [[0, 0], [1, 0], [1, 1], [0, 1]]}
            ],
            "rules": {"illegal_ad": {"dwell_s": 10, "clear_s": 20}},
        }
    )


@pytest.fixture(scope="module")
def poster_clip(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, WallScene]:
    scene = WallScene(posters=(Poster(origin=(620, 300), appears_s=POSTER_S),))
    path = tmp_path_factory.mktemp("wall") / "wall.mp4"
    frames = (scene.render(i / FPS, i) for i in range(70 * FPS))
    write_video(frames, path, fps=FPS, gop_frames=2 * FPS, crf=18)
    return path, scene


def test_a_poster_stuck_up_is_one_illegal_ad_and_the_sign_is_none(
    poster_clip: tuple[Path, WallScene], tmp_path: Path
) -> None:
    video, wall = poster_clip
    scene = wall_scene()
    settings = AnalyzerSettings(text=TextConfig(learn_s=10.0))
    camera = make_camera(video, id="wall-cam")
    pipeline = CameraPipeline(camera, scene, build_analyzers(scene, settings), tmp_path)
    incidents = pipeline.run()
    assert [i.type for i in incidents] == ["illegal_ad"]
    (incident,) = incidents
    assert iou(incident.box_xyxy, wall.posters[0].box) >= 0.5
    assert iou(incident.box_xyxy, wall.sign_box) == 0.0
    assert incident.raised_s is not None and incident.first_seen_s is not None
    assert POSTER_S <= incident.first_seen_s <= POSTER_S + 3.0
    assert POSTER_S + 10.0 <= incident.raised_s <= POSTER_S + 25.0
    assert (tmp_path / "bundles" / incident.id / "snapshot.jpg").is_file()
