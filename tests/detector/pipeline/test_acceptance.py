"""Detection on footage: a generated street with a box left behind, and real traffic."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from detector.demo.street import StreetScript
from detector.incidents.record import IncidentRecord
from detector.pipeline.analyzers import build_analyzers
from detector.pipeline.camera import CameraPipeline
from detector.rules.scene import SceneConfig
from tests.factories import make_camera, render_clip

DWELL_S = 10.0
PUT_S = 8.0
REMOVED_S = 40.0
FULL_FRAME = [[0, 0], [1, 0], [1, 1], [0, 1]]


def street_scene(**rules: Any) -> SceneConfig:
    return SceneConfig.model_validate(
        {
            "camera": {"id": "cam-test", "key_point": "school"},
            "zones": [
                {
                    "name": "facade",
                    "type": "wall",
                    "polygon": [[0, 0], [1, 0], [1, 0.42], [0, 0.42]],
                },
                {
                    "name": "pavement",
                    "type": "pavement",
                    "polygon": [[0, 0.42], [1, 0.42], [1, 0.68], [0, 0.68]],
                },
                {
                    "name": "road",
                    "type": "roadway",
                    "polygon": [[0, 0.68], [1, 0.68], [1, 1], [0, 1]],
                },
            ],
            "rules": {"clutter": {"dwell_s": DWELL_S, "clear_s": 5}, **rules},
        }
    )


def run(video: Path, scene: SceneConfig, out: Path) -> list[IncidentRecord]:
    camera = make_camera(video, id=scene.camera.id)
    return CameraPipeline(camera, scene, build_analyzers(scene), out).run()


def iou(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


@pytest.fixture(scope="module")
def box_left(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, StreetScript]:
    script = StreetScript(duration_s=35.0, fps=10, box_put_s=PUT_S, people=6, light_drift=0.15)
    return render_clip(tmp_path_factory.mktemp("left") / "left.mp4", script), script


@pytest.fixture(scope="module")
def box_removed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, StreetScript]:
    script = StreetScript(
        duration_s=60.0,
        fps=10,
        box_put_s=PUT_S,
        box_removed_s=REMOVED_S,
        people=6,
        light_drift=0.15,
    )
    return render_clip(tmp_path_factory.mktemp("removed") / "removed.mp4", script), script


def test_a_box_left_on_the_pavement_raises_exactly_one_clutter_incident(
    box_left: tuple[Path, StreetScript], tmp_path: Path
) -> None:
    video, script = box_left
    incidents = run(video, street_scene(), tmp_path)
    assert [i.type for i in incidents] == ["clutter"]
    (incident,) = incidents
    assert iou(incident.box_xyxy, script.box_xyxy) >= 0.5
    assert incident.raised_s is not None and incident.first_seen_s is not None
    assert PUT_S + DWELL_S <= incident.raised_s <= PUT_S + DWELL_S + 5.0
    assert PUT_S <= incident.first_seen_s <= PUT_S + 5.0
    assert incident.ended_s is None  # still there when the recording ends
    assert incident.zone == "pavement"
    lines = (tmp_path / "incidents.jsonl").read_text().splitlines()
    assert [json.loads(line)["id"] for line in lines] == [incident.id]
    assert (tmp_path / "bundles" / incident.id / "clip.mp4").is_file()


def test_taking_the_box_away_ends_the_incident_and_leaves_no_ghost(
    box_removed: tuple[Path, StreetScript], tmp_path: Path
) -> None:
    video, script = box_removed
    incidents = run(video, street_scene(), tmp_path)
    assert len(incidents) == 1, [i.id for i in incidents]
    (incident,) = incidents
    assert iou(incident.box_xyxy, script.box_xyxy) >= 0.5
    assert incident.ended_s is not None
    assert REMOVED_S - 2.0 <= incident.ended_s <= REMOVED_S + 5.0


def test_a_box_never_put_down_raises_nothing(tmp_path: Path) -> None:
    script = StreetScript(duration_s=30.0, fps=10, box_put_s=None, people=6, light_drift=0.15)
    video = render_clip(tmp_path / "empty.mp4", script)
    assert run(video, street_scene(), tmp_path / "out") == []


def real_traffic_scene(masks: list[list[list[float]]]) -> SceneConfig:
    zones: list[dict[str, Any]] = [
        {"name": "pavement", "type": "pavement", "polygon": FULL_FRAME},
        {"name": "wall", "type": "wall", "polygon": FULL_FRAME},
    ]
    zones += [{"name": f"mask-{i}", "type": "mask", "polygon": m} for i, m in enumerate(masks)]
    rules = {code: {"dwell_s": 10} for code in ("clutter", "stall", "illegal_ad")}
    return SceneConfig.model_validate(
        {"camera": {"id": "real", "key_point": "key_road"}, "zones": zones, "rules": rules}
    )


# The motorway camera burns in a caption band ("PEDESTRIAN ALARM", lower left) that an operator
# masks; the running clock at the top left stays unmasked on purpose.
MOTORWAY_CAPTION_MASK = [[0, 70], [90, 70], [90, 100], [0, 100]]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "masks"),
    [("highway_traffic.mp4", []), ("motorway_osd.avi", [MOTORWAY_CAPTION_MASK])],
)
def test_real_traffic_with_nothing_left_behind_raises_nothing(
    shared_clip: Path, tmp_path: Path, name: str, masks: list[list[list[float]]]
) -> None:
    incidents = run(shared_clip / name, real_traffic_scene(masks), tmp_path)
    assert incidents == [], [(i.type, i.box_xyxy, i.first_seen_s, i.raised_s) for i in incidents]
