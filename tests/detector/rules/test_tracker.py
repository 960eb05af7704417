"""The incident tracker, driven by hand-made observations: no video."""

from __future__ import annotations

from typing import Any

import pytest

from detector.rules.scene import SceneConfig
from detector.rules.street import Observation
from detector.rules.tracker import EventKind, IncidentTracker

BOX = (100.0, 100.0, 160.0, 150.0)
ELSEWHERE = (400.0, 100.0, 460.0, 150.0)


def scene(**clutter: Any) -> SceneConfig:
    rule = {"dwell_s": 10, "clear_s": 5, "cooldown_s": 60, **clutter}
    return SceneConfig.model_validate(
        {
            "camera": {"id": "cam", "key_point": "market"},
            "zones": [
                {"name": "p", "type": "pavement", "polygon": [[0, 0], [1, 0], [1, 1], [0, 1]]}
            ],
            "rules": {"clutter": rule},
        }
    )


def seen(box: tuple[float, ...] = BOX, since: float = 0.0, known: bool = True) -> Observation:
    x1, y1, x2, y2 = box
    return Observation("clutter", "p", (x1, y1, x2, y2), 0.8, since, {"still_region": 0.8}, known)


def drive(
    tracker: IncidentTracker, timeline: dict[float, list[Observation]], end: float
) -> list[Any]:
    events = []
    t = 0.0
    while t <= end:
        events += [(t, e.kind, e.incident) for e in tracker.update(timeline.get(t, []), t)]
        t += 1.0
    return events


def test_raised_once_at_dwell_then_updated_not_duplicated() -> None:
    tracker = IncidentTracker(scene())
    timeline = {float(t): [seen(since=2.0)] for t in range(2, 30)}
    events = drive(tracker, timeline, 29)
    raised = [(t, i) for t, kind, i in events if kind is EventKind.RAISED]
    assert [t for t, _ in raised] == [12.0]
    incident = raised[0][1]
    assert (incident.first_seen_s, incident.raised_s, incident.zone) == (2.0, 12.0, "p")
    assert len(tracker.open_incidents) == 1


def test_nothing_before_dwell() -> None:
    tracker = IncidentTracker(scene())
    events = drive(tracker, {float(t): [seen(since=0.0)] for t in range(0, 10)}, 9)
    assert events == []


def test_ends_after_clear_and_a_return_within_cooldown_is_a_repeat() -> None:
    tracker = IncidentTracker(scene())
    timeline = {float(t): [seen(since=0.0)] for t in range(0, 20)}
    timeline |= {float(t): [seen(since=30.0)] for t in range(30, 45)}
    events = drive(tracker, timeline, 45)
    kinds = [(t, kind) for t, kind, _ in events if kind is not EventKind.UPDATED]
    assert kinds == [(10.0, EventKind.RAISED), (24.0, EventKind.ENDED), (40.0, EventKind.RAISED)]
    first = next(i for t, k, i in events if k is EventKind.ENDED)
    second = events[-1][2] if events[-1][1] is EventKind.RAISED else None
    assert first.ended_s == 19.0
    assert second is not None and second.repeat_of == first.id


def test_a_return_after_the_cooldown_is_a_new_incident() -> None:
    tracker = IncidentTracker(scene(cooldown_s=5))
    timeline = {float(t): [seen(since=0.0)] for t in range(0, 20)}
    timeline |= {float(t): [seen(since=40.0)] for t in range(40, 55)}
    raised = [i for _, k, i in drive(tracker, timeline, 55) if k is EventKind.RAISED]
    assert len(raised) == 2 and raised[1].repeat_of is None


def test_short_gaps_and_jitter_keep_one_incident() -> None:
    tracker = IncidentTracker(scene())
    timeline = {}
    for t in range(0, 40):
        if t % 7 in (3, 4):  # hidden behind passers-by for two frames
            continue
        jitter = float(t % 3)
        timeline[float(t)] = [seen((100 + jitter, 100, 160 + jitter, 150 - jitter), since=0.0)]
    events = drive(tracker, timeline, 39)
    assert [k for _, k, _ in events].count(EventKind.RAISED) == 1
    assert EventKind.ENDED not in [k for _, k, _ in events]


def test_places_are_separate_incidents() -> None:
    tracker = IncidentTracker(scene())
    timeline = {float(t): [seen(BOX, 0.0), seen(ELSEWHERE, 0.0)] for t in range(0, 12)}
    raised = [i for _, k, i in drive(tracker, timeline, 11) if k is EventKind.RAISED]
    assert len(raised) == 2
    assert raised[0].id != raised[1].id


def test_evidence_that_restarts_its_stillness_restarts_the_dwell() -> None:
    tracker = IncidentTracker(scene())
    # Content changing in place every 6 s (traffic): the analyzer keeps restarting its clock.
    timeline = {float(t): [seen(since=float(t - t % 6))] for t in range(0, 40)}
    assert drive(tracker, timeline, 39) == []


def test_evidence_without_its_own_start_counts_from_the_first_sighting() -> None:
    tracker = IncidentTracker(scene())
    timeline = {float(t): [seen(since=float(t), known=False)] for t in range(5, 20)}
    raised = [(t, i) for t, k, i in drive(tracker, timeline, 19) if k is EventKind.RAISED]
    assert [t for t, _ in raised] == [15.0]
    assert raised[0][1].first_seen_s == 5.0


def test_live_incidents_carry_utc_times() -> None:
    tracker = IncidentTracker(scene(), live=True)
    t0 = 1_800_000_000.0
    events = []
    for k in range(12):
        events += tracker.update([seen(since=t0)], t0 + k)
    (raised,) = [e.incident for e in events if e.kind is EventKind.RAISED]
    assert raised.raised_s is None and raised.raised_at is not None
    assert raised.raised_at.timestamp() == pytest.approx(t0 + 10)
    assert raised.id.endswith("Z")


def stall_seen(box: tuple[float, ...] = BOX, since: float = 0.0) -> Observation:
    x1, y1, x2, y2 = box
    return Observation("stall", "p", (x1, y1, x2, y2), 0.8, since, {"still_region": 0.8}, True)


def test_a_passer_by_does_not_turn_old_clutter_into_an_instant_stall() -> None:
    tracker = IncidentTracker(scene())
    timeline = {float(t): [seen(since=0.0)] for t in range(0, 40)}
    timeline[30.0] = [stall_seen(since=0.0)]  # someone stood next to the box for one frame
    events = drive(tracker, timeline, 39)
    assert [(k, i.type) for _, k, i in events if k is EventKind.RAISED] == [
        (EventKind.RAISED, "clutter")
    ]


def test_a_pile_that_grows_stays_one_incident() -> None:
    tracker = IncidentTracker(scene())
    big = (100.0, 100.0, 220.0, 200.0)  # four times the area: IoU with BOX is 0.25
    timeline = {float(t): [seen(BOX if t < 20 else big, since=0.0)] for t in range(0, 40)}
    events = drive(tracker, timeline, 39)
    kinds = [k for _, k, _ in events]
    assert kinds.count(EventKind.RAISED) == 1
    assert EventKind.ENDED not in kinds


def test_a_new_score_is_an_update_and_earlier_records_stay_as_they_were() -> None:
    tracker = IncidentTracker(scene())
    events = []
    for t in range(0, 12):
        events += tracker.update([seen(since=0.0)], float(t))
    raised = next(e.incident for e in events if e.kind is EventKind.RAISED)
    other = Observation("clutter", "p", BOX, 0.3, 0.0, {"objects": 0.3}, True)
    updates = tracker.update([other], 12.0)
    assert [e.kind for e in updates] == [EventKind.UPDATED]
    assert "objects" not in raised.scores  # the record handed out earlier did not change
    assert updates[0].incident.scores["objects"] == 0.3


def _open_live_incident(t0: float) -> Any:
    before = IncidentTracker(scene(), live=True)
    events = []
    for k in range(12):
        events += before.update([seen(since=t0)], t0 + k)
    (raised,) = [e.incident for e in events if e.kind is EventKind.RAISED]
    return raised


RESTART = 1_800_000_600.0
NEARBY = (101.0, 100.0, 161.0, 150.0)


@pytest.mark.parametrize(
    ("last_seen_ago_s", "seen_again", "expected"),
    [
        # Seen just before the restart and still there: the same incident goes on.
        (1.0, True, [(0.0, EventKind.UPDATED)]),
        # Gone: it ends once clear_s (5 s) passes after its last sighting, at that sighting.
        (2.0, False, [(3.0, EventKind.ENDED)]),
        # Stopped long ago: it ends at once at its old sighting, and the thing there now is a
        # new incident once it dwells, a repeat of the old one within the cool-down.
        (30.0, True, [(0.0, EventKind.ENDED), (10.0, EventKind.RAISED)]),
        # No saved sighting: the raise (590 s before the restart) stands for it.
        (None, False, [(0.0, EventKind.ENDED)]),
    ],
)
def test_a_restarted_live_camera_carries_on_from_each_incidents_last_sighting(
    last_seen_ago_s: float | None, seen_again: bool, expected: list[tuple[float, EventKind]]
) -> None:
    raised = _open_live_incident(1_800_000_000.0)
    sightings = {} if last_seen_ago_s is None else {raised.id: RESTART - last_seen_ago_s}
    after = IncidentTracker(scene(), live=True)
    after.resume([raised], RESTART, sightings)
    events = []
    for k in range(12):
        # A restarted analyzer has its own idea of when the stillness began.
        observed = [seen(box=NEARBY, since=RESTART)] if seen_again else []
        events += [(float(k), e.kind, e.incident) for e in after.update(observed, RESTART + k)]
    first_at = {kind: k for k, kind, _ in reversed(events)}  # when each kind first happened
    assert sorted((k, kind) for kind, k in first_at.items()) == expected
    for _, kind, incident in events:
        assert incident.raised_at == raised.raised_at or kind is EventKind.RAISED
        if kind is EventKind.ENDED:
            assert incident.id == raised.id
            assert incident.ended_at is not None
            assert incident.ended_at.timestamp() == RESTART - (last_seen_ago_s or 590.0)
        if kind is EventKind.RAISED:
            assert incident.id != raised.id and incident.repeat_of == raised.id
        if kind is EventKind.UPDATED:
            assert incident.id == raised.id


@pytest.mark.parametrize("last_seen_ago_s", [1.0, 0.0, -5.0])
def test_a_resumed_incident_is_not_seen_until_observed_again(last_seen_ago_s: float) -> None:
    raised = _open_live_incident(1_800_000_000.0)
    after = IncidentTracker(scene(), live=True)
    after.resume([raised], RESTART, {raised.id: RESTART - last_seen_ago_s})
    assert after.update([], RESTART) == []
    assert after.seen_at(RESTART) == []  # no evidence bundle from a frame that may not show it
    after.update([seen(box=NEARBY, since=RESTART)], RESTART + 1)
    assert [i.id for i in after.seen_at(RESTART + 1)] == [raised.id]
    assert after.open_sightings() == {raised.id: RESTART + 1}


def test_only_this_cameras_open_live_incidents_are_resumed() -> None:
    raised = _open_live_incident(1_800_000_000.0)
    tracker = IncidentTracker(scene(), live=True)
    ended = raised.model_copy(update={"ended_at": raised.raised_at})
    other = raised.model_copy(update={"camera": "cam-2", "id": "cam-2-x"})
    tracker.resume([ended, other], RESTART, {})
    assert tracker.open_incidents == []
    with pytest.raises(ValueError, match="only live incidents"):
        IncidentTracker(scene()).resume([raised], 0.0, {})
