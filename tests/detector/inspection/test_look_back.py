"""The look-back decision: back only when the ticket's violation shows in enough sampled
frames over the ticket's box; rules that cannot see the type now give no verdict."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from detector.inspection.look_back import (
    LookBackPolicy,
    Outcome,
    Sighting,
    blind_spot,
    decide_look_back,
    iou,
)
from detector.rules.scene import SceneConfig

BOX = (100.0, 100.0, 200.0, 200.0)
SAME = Sighting("clutter", BOX)
SHIFTED = Sighting("clutter", (150.0, 100.0, 250.0, 200.0))  # IoU 1/3
NEXT_DOOR = Sighting("clutter", (190.0, 100.0, 290.0, 200.0))  # IoU 0.053
STALL_HERE = Sighting("stall", BOX)
AD_HERE = Sighting("illegal_ad", BOX)


@pytest.mark.parametrize(
    ("ticket_type", "frames", "outcome", "seen", "best"),
    [
        ("clutter", [[SAME]] * 10, Outcome.BACK, 10, 1.0),
        ("clutter", [[SAME]] * 5 + [[]] * 5, Outcome.BACK, 5, 1.0),  # half the window: back
        ("clutter", [[SAME]] * 4 + [[]] * 6, Outcome.CLEAR, 4, 1.0),  # under half: clear
        ("clutter", [[]] * 10, Outcome.CLEAR, 0, 0.0),
        ("clutter", [[SHIFTED]] * 10, Outcome.BACK, 10, 0.333),  # rebuilt a bit aside
        ("clutter", [[NEXT_DOOR]] * 10, Outcome.CLEAR, 0, 0.053),  # at the next shop
        ("clutter", [[NEXT_DOOR, SAME]] * 10, Outcome.BACK, 10, 1.0),  # any sighting counts once
        ("stall", [[SAME]] * 10, Outcome.BACK, 10, 1.0),  # no model sees the vendor: clutter
        ("clutter", [[STALL_HERE]] * 10, Outcome.BACK, 10, 1.0),
        ("clutter", [[AD_HERE]] * 10, Outcome.CLEAR, 0, 0.0),  # another kind of thing
        ("illegal_ad", [[AD_HERE]] * 3, Outcome.BACK, 3, 1.0),
        ("clutter", [[SAME]], Outcome.CLEAR, 1, 1.0),  # never back on one frame
        ("clutter", [[SAME], [SAME]], Outcome.BACK, 2, 1.0),
    ],
)
def test_back_needs_enough_frames_over_the_tickets_box(
    ticket_type: str, frames: list[list[Sighting]], outcome: Outcome, seen: int, best: float
) -> None:
    decision = decide_look_back(ticket_type, BOX, frames)
    assert decision.outcome is outcome
    assert (decision.frames, decision.frames_seen) == (len(frames), seen)
    assert decision.best_overlap == pytest.approx(best, abs=0.001)
    assert decision.note.startswith(f"{outcome.value}: seen in {seen} of {len(frames)}")


def test_policy_thresholds_are_adjustable() -> None:
    strict = LookBackPolicy(min_share=0.9, min_overlap=0.5, min_frames=1)
    assert decide_look_back("clutter", BOX, [[SHIFTED]] * 10, strict).outcome is Outcome.CLEAR
    assert decide_look_back("clutter", BOX, [[SAME]] * 9 + [[]], strict).outcome is Outcome.BACK


def test_no_frames_is_no_decision() -> None:
    with pytest.raises(ValueError, match="at least one sampled frame"):
        decide_look_back("clutter", BOX, [])


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (BOX, BOX, 1.0),
        (BOX, (200.0, 100.0, 300.0, 200.0), 0.0),  # touching edges
        (BOX, (125.0, 125.0, 175.0, 175.0), 0.25),  # inside
        (BOX, (100.0, 100.0, 100.0, 200.0), 0.0),  # no size
    ],
)
def test_iou(a: tuple[float, ...], b: tuple[float, ...], expected: float) -> None:
    assert iou(a, b) == pytest.approx(expected)  # type: ignore[arg-type]


def _scene(rules: dict[str, object]) -> SceneConfig:
    return SceneConfig.model_validate(
        {
            "camera": {"id": "cam-1", "key_point": "market"},
            "zones": [
                {"name": "pavement", "type": "pavement", "polygon": [[0, 0], [1, 0], [1, 1]]}
            ],
            "rules": rules,
        }
    )


NOON_SHANGHAI = datetime(2026, 11, 27, 4, 0, tzinfo=UTC)
NIGHT_SHANGHAI = datetime(2026, 11, 27, 18, 0, tzinfo=UTC)  # 02:00 the next day
DAYTIME = {"active": [{"start": "07:00", "end": "22:00"}]}


@pytest.mark.parametrize(
    ("rules", "ticket_type", "now", "reason"),
    [
        ({}, "clutter", NOON_SHANGHAI, None),
        ({}, "stall", NIGHT_SHANGHAI, None),
        ({"clutter": DAYTIME}, "clutter", NOON_SHANGHAI, None),
        ({"clutter": DAYTIME}, "clutter", NIGHT_SHANGHAI, "outside the rule's active hours"),
        ({"stall": DAYTIME}, "stall", NIGHT_SHANGHAI, "outside the rule's active hours"),
        # A stall ticket is judged through clutter too when the stall rule is off.
        ({"stall": {"enabled": False}}, "stall", NOON_SHANGHAI, None),
        (
            {c: {"enabled": False} for c in ("clutter", "stall", "out_of_store")},
            "stall",
            NOON_SHANGHAI,
            "does not watch stall",
        ),
        ({}, "illegal_ad", NOON_SHANGHAI, "does not watch illegal_ad"),  # no wall zone
    ],
)
def test_blind_spot_when_the_scene_cannot_judge_the_type_now(
    rules: dict[str, object], ticket_type: str, now: datetime, reason: str | None
) -> None:
    found = blind_spot(_scene(rules), ticket_type, now)
    assert (found is None) if reason is None else (found is not None and reason in found)
