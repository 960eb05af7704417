"""Per-frame rules on hand-made detections: what explains a still region, zones, masks, time."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from detector.analyzers.detections import Detections
from detector.rules.scene import SceneConfig
from detector.rules.street import FrameEvidence, SceneRules

W, H = 640, 360
THING = (300.0, 200.0, 360.0, 240.0)  # on the pavement band (y 0.42-0.68 of 360 = 151-245)


def scene(**extra_rules: Any) -> SceneConfig:
    return SceneConfig.model_validate(
        {
            "camera": {"id": "cam", "key_point": "market"},
            "zones": [
                {"name": "wall", "type": "wall", "polygon": [[0, 0], [1, 0], [1, 0.42], [0, 0.42]]},
                {
                    "name": "pave",
                    "type": "pavement",
                    "polygon": [[0, 0.42], [1, 0.42], [1, 0.68], [0, 0.68]],
                },
                {
                    "name": "road",
                    "type": "roadway",
                    "polygon": [[0, 0.68], [1, 0.68], [1, 1], [0, 1]],
                },
                {
                    "name": "lawn",
                    "type": "green_belt",
                    "polygon": [[0.8, 0.42], [1, 0.42], [1, 0.68], [0.8, 0.68]],
                },
                {
                    "name": "cctv-caption",
                    "type": "mask",
                    "polygon": [[0, 0.9], [0.2, 0.9], [0.2, 1], [0, 1]],
                },
            ],
            "rules": extra_rules,
        }
    )


def still(*boxes: tuple[float, ...], since: float = 3.0) -> Detections:
    return Detections.build(
        list(boxes),
        [0.9] * len(boxes),
        ["still_region"] * len(boxes),
        still_since_s=[since] * len(boxes),
    )


def objects(*items: tuple[str, tuple[float, ...]]) -> Detections:
    return Detections.build(
        [b for _, b in items], [0.8] * len(items), [label for label, _ in items]
    )


def observe(
    scene_config: SceneConfig, captured_at: datetime | None = None, **detections: Detections
) -> list[tuple[str, str]]:
    evidence = FrameEvidence(W, H, 100.0, captured_at, detections)
    return [(o.type, o.zone) for o in SceneRules(scene_config).observe(evidence)]


PERSON_ON_IT = ("person", (295.0, 150.0, 365.0, 242.0))
CAR_ON_IT = ("vehicle", (280.0, 190.0, 380.0, 245.0))
UMBRELLA_NEXT = ("stall_indicator", (355.0, 170.0, 400.0, 230.0))
VENDOR_NEXT = ("person", (362.0, 160.0, 385.0, 240.0))


@pytest.mark.parametrize(
    ("found", "expected"),
    [
        ([], [("clutter", "pave")]),
        ([PERSON_ON_IT], []),  # a person standing is not clutter
        ([CAR_ON_IT], []),  # nor is a parked car
        ([UMBRELLA_NEXT], [("stall", "pave")]),
        ([VENDOR_NEXT], [("stall", "pave")]),  # someone staying with it
    ],
)
def test_what_a_still_region_on_the_pavement_is(
    found: list[tuple[str, tuple[float, ...]]], expected: list[tuple[str, str]]
) -> None:
    assert observe(scene(), static_change=still(THING), objects=objects(*found)) == expected


@pytest.mark.parametrize(
    ("box", "expected"),
    [
        ((300.0, 280.0, 360.0, 320.0), [("clutter", "road")]),
        ((560.0, 200.0, 600.0, 240.0), [("clutter", "pave"), ("green_damage", "lawn")]),
        ((300.0, 40.0, 360.0, 80.0), []),  # a still thing on the facade is not clutter
        ((10.0, 330.0, 100.0, 350.0), []),  # under the masked caption band
    ],
)
def test_zones_decide_the_type(box: tuple[float, ...], expected: list[tuple[str, str]]) -> None:
    assert sorted(observe(scene(), static_change=still(box))) == sorted(expected)


def test_new_text_on_the_wall_is_an_illegal_ad_and_old_text_is_not() -> None:
    text = Detections.build(
        [(100, 50, 140, 90), (300, 50, 400, 80)],
        [0.7, 0.9],
        ["text_region", "text_region"],
        is_new=[True, False],
        still_since_s=[90.0, 0.0],
    )
    assert observe(scene(), text=text) == [("illegal_ad", "wall")]


NEW_TEXT = Detections.build(
    [(100, 50, 140, 90)], [0.7], ["text_region"], is_new=[True], still_since_s=[90.0]
)
SIGN_OVER_TEXT = ("shop_sign", (95.0, 45.0, 150.0, 95.0))
POSTER_ELSEWHERE = ("illegal_ad", (400.0, 60.0, 440.0, 110.0))
POSTER_ON_ROAD = ("illegal_ad", (400.0, 300.0, 440.0, 340.0))


@pytest.mark.parametrize(
    ("text", "facade", "expected"),
    [
        (NEW_TEXT, [], [("illegal_ad", "wall")]),
        (NEW_TEXT, [SIGN_OVER_TEXT], []),  # the text is a shop's own sign: not an ad
        (Detections.empty(), [POSTER_ELSEWHERE], [("illegal_ad", "wall")]),  # a poster, no text
        (NEW_TEXT, [SIGN_OVER_TEXT, POSTER_ELSEWHERE], [("illegal_ad", "wall")]),
        (Detections.empty(), [POSTER_ON_ROAD], []),  # ads are only looked for on walls
        (Detections.empty(), [SIGN_OVER_TEXT], []),  # a sign alone accuses nobody
    ],
)
def test_a_facade_model_finds_posters_without_text_and_clears_shop_signs(
    text: Detections, facade: list[tuple[str, tuple[float, ...]]], expected: list[tuple[str, str]]
) -> None:
    assert observe(scene(), text=text, facade=objects(*facade)) == expected


def test_small_or_faint_evidence_is_ignored() -> None:
    tiny = (300.0, 200.0, 303.0, 203.0)
    assert observe(scene(), static_change=still(tiny)) == []
    faint = Detections.build([THING], [0.05], ["still_region"], still_since_s=[3.0])
    assert observe(scene(), static_change=faint) == []


def test_disabled_rules_and_time_windows() -> None:
    assert observe(scene(clutter={"enabled": False}), static_change=still(THING)) == []
    windowed = scene(clutter={"active": [{"start": "07:00", "end": "09:00"}]})
    morning = datetime(2026, 11, 27, 0, 30, tzinfo=UTC)  # 08:30 in Shanghai
    evening = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)  # 20:00 in Shanghai
    assert observe(windowed, morning, static_change=still(THING)) == [("clutter", "pave")]
    assert observe(windowed, evening, static_change=still(THING)) == []


def test_a_custom_model_can_name_taxonomy_codes_directly() -> None:
    found = objects(
        ("stall", (100.0, 180.0, 200.0, 240.0)), ("signboard", (100.0, 20.0, 300.0, 60.0))
    )
    assert sorted(observe(scene(), objects=found)) == [("signboard", "wall"), ("stall", "pave")]
