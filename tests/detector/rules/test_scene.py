from __future__ import annotations

from pathlib import Path

import pytest

from detector.errors import ConfigError
from detector.rules.geometry import to_pixels
from detector.rules.scene import load_scene

VALID = """
camera: {id: cam-01, name: "南京路 school gate", key_point: school, squad: "一中队"}
zones:
  - {name: pavement-east, type: pavement, polygon: [[0.1, 0.5], [0.9, 0.5], [0.9, 0.9], [0.1, 0.9]]}
  - name: shop-3
    type: storefront
    polygon: [[100, 100], [300, 100], [300, 200], [100, 200]]
    door_line: [[100, 100], [300, 100]]
rules:
  clutter: {dwell_s: 300, active: [{start: "07:00", end: "22:00"}]}
"""


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        (VALID, []),
        (VALID.replace("key_point: school", "key_point: zoo"), ["camera.key_point", "'zoo'"]),
        (VALID.replace("type: pavement", "type: lawn"), ["zones.0.type", "'lawn'"]),
        (VALID.replace("    door_line: [[100, 100], [300, 100]]\n", ""), ["needs a door_line"]),
        (VALID.replace("clutter:", "rubbish:"), ["unknown violation code 'rubbish'"]),
        (VALID + "  sewage: {dwell_s: 10}\n", ["'sewage' cannot be detected yet"]),
        (VALID.replace("dwell_s: 300", "dwell_s: -1"), ["rules.clutter.dwell_s", "(got -1)"]),
        (
            VALID.replace("rules:\n", "rules:\n  stall: {zones: [nowhere]}\n"),
            ["rules.stall.zones names unknown zone 'nowhere'"],
        ),
        (VALID.replace("name: shop-3", "name: pavement-east"), ["zone names must be unique"]),
        (VALID + "colour: red\n", ["colour: Extra inputs are not permitted"]),
        (VALID.replace('"07:00"', '"25:00"'), ["rules.clutter.active.0.start"]),
    ],
)
def test_scene_file(tmp_path: Path, text: str, fragments: list[str]) -> None:
    path = tmp_path / "scene.yaml"
    path.write_text(text, encoding="utf-8")
    if not fragments:
        scene = load_scene(path)
        assert [z.name for z in scene.zones_for("clutter")] == ["pavement-east"]
        assert [z.name for z in scene.zones_for("out_of_store")] == ["shop-3"]
        assert scene.rule("stall").dwell_s == 300.0  # default
        return
    with pytest.raises(ConfigError) as caught:
        load_scene(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ") and "\n" not in message
    for fragment in fragments:
        assert fragment in message


def test_zones_scale_to_the_frame_and_doors_have_a_street_side(tmp_path: Path) -> None:
    path = tmp_path / "scene.yaml"
    path.write_text(VALID, encoding="utf-8")
    scene = load_scene(path)
    pavement = to_pixels(scene.zones[0], 640, 360)
    assert pavement.contains((320, 250))
    assert not pavement.contains((320, 100))
    assert pavement.overlap((64, 180, 576, 324)) == pytest.approx(1.0, abs=0.01)
    assert pavement.overlap((0, 0, 64, 180)) == 0.0
    shop = to_pixels(scene.zones[1], 640, 360)
    assert shop.beyond_door((200, 150))  # in front of the door, on the zone's side
    assert not shop.beyond_door((200, 50))  # inside the shop


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (("rules:\n", "timezone: Asia/Shangai\nrules:\n"), "unknown time zone"),
        (('"22:00"', '"07:00"'), "the window would never be open"),
        (
            ("[[100, 100], [300, 100]]", "[[0.1, 0.1], [0.3, 0.1]]"),
            "door_line must use the polygon's units",
        ),
    ],
)
def test_scene_mistakes_found_at_load_time(
    tmp_path: Path, change: tuple[str, str], fragment: str
) -> None:
    path = tmp_path / "scene.yaml"
    path.write_text(VALID.replace(*change), encoding="utf-8")
    with pytest.raises(ConfigError, match=fragment):
        load_scene(path)
