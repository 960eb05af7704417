"""One incident per (camera, type, place): dwell, updates, clearing and repeats. Pure logic."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from detector.analyzers.detections import pair_coverage, pair_iou
from detector.incidents.record import IncidentRecord
from detector.rules.geometry import BoxXYXY
from detector.rules.scene import SceneConfig
from detector.rules.street import Observation

SAME_PLACE_IOU = 0.3
"""Boxes overlapping this much are one place: tracker ids may switch, the place does not."""
SAME_PLACE_COVERAGE = 0.7
"""…and so are boxes one of which lies mostly inside the other (a pile that grew)."""
NEW_PLACE_BACKDATE_S = 3.0
"""A new place starts its dwell at most this long before its first observation: evidence
reclassified mid-way (a passer-by making a box look like a stall) starts afresh, not with
the region's old stillness."""
BOX_SMOOTHING = 0.3
"""Weight of a new observation's box in the incident's box (steadies jittery regions)."""


class EventKind(StrEnum):
    RAISED = "raised"
    UPDATED = "updated"
    ENDED = "ended"


@dataclass(frozen=True)
class IncidentEvent:
    kind: EventKind
    incident: IncidentRecord


@dataclass
class _Place:
    """Evidence of one type at one place, before and after it is raised."""

    type: str
    zone: str
    box: BoxXYXY
    since_s: float
    last_seen_s: float
    score: float
    scores: dict[str, float] = field(default_factory=dict)
    incident: IncidentRecord | None = None
    resumed: bool = False
    """Carried over from an earlier run and not observed since."""


def _blend(old: BoxXYXY, new: BoxXYXY) -> BoxXYXY:
    a, b, c, d = (o + BOX_SMOOTHING * (n - o) for o, n in zip(old, new, strict=True))
    return (a, b, c, d)


class IncidentTracker:
    """Turns observations into incidents for one camera.

    Evidence at a place must persist ``dwell_s`` (from when it began) to raise an incident;
    re-detections update it; it ends after ``clear_s`` without evidence; a new incident at the
    same place within ``cooldown_s`` of the last one's end is linked to it as a repeat.
    Times are ``Frame.clock_s`` seconds; ``live`` decides whether records carry UTC datetimes
    or media seconds.
    """

    def __init__(self, scene: SceneConfig, live: bool = False) -> None:
        self.scene = scene
        self.camera_id = scene.camera.id
        self.live = live
        self._places: list[_Place] = []
        self._ended: list[IncidentRecord] = []
        self._ids: set[str] = set()

    @property
    def open_incidents(self) -> list[IncidentRecord]:
        return [p.incident for p in self._places if p.incident is not None]

    def open_sightings(self) -> dict[str, float]:
        """When each open incident's evidence was last observed (clock seconds), by id."""
        return {p.incident.id: p.last_seen_s for p in self._places if p.incident is not None}

    def resume(
        self, open_incidents: list[IncidentRecord], t_s: float, last_seen_s: Mapping[str, float]
    ) -> None:
        """Carry on incidents a previous run of this camera left open (it died or was
        stopped), each from its last sighting in ``last_seen_s`` (by id). Evidence seen again
        at the same place within ``clear_s`` of that sighting continues an incident under its
        own id; otherwise it ends at that sighting on the first update, as any other, and a
        thing now at the same place is a new incident (a repeat within the cool-down). Call
        before the first update of this run, whose clock is ``t_s``. Without this a restarted
        live camera would raise what it already reported as a new incident, and leave the
        old one open for ever."""
        if not self.live:
            raise ValueError("only live incidents (UTC times) can be resumed")
        for record in open_incidents:
            if record.camera != self.camera_id or record.ended_at is not None:
                continue
            assert record.raised_at is not None  # a live record always has raised_at
            # Without a saved sighting, the raise is the last moment the record proves the
            # thing was there; the first frame of this run proves nothing.
            seen_s = last_seen_s.get(record.id, record.raised_at.timestamp())
            first = record.first_seen_at or record.raised_at
            place = _Place(
                record.type,
                record.zone or "",
                record.box_xyxy,
                since_s=first.timestamp(),
                # A sighting after this run's first frame means the clock stepped back.
                last_seen_s=min(seen_s, t_s),
                score=record.score,
                scores=dict(record.scores),
                incident=record,
                resumed=True,
            )
            self._places.append(place)
            self._ids.add(record.id)

    def seen_at(self, t_s: float) -> list[IncidentRecord]:
        """Open incidents whose evidence was observed at ``t_s`` (by this run)."""
        return [
            p.incident
            for p in self._places
            if p.incident and not p.resumed and p.last_seen_s == t_s
        ]

    def update(self, observations: list[Observation], t_s: float) -> list[IncidentEvent]:
        events: list[IncidentEvent] = []
        for obs in observations:
            place = self._match(obs, t_s)
            if place is None:
                since_s = max(obs.since_s, t_s - NEW_PLACE_BACKDATE_S)
                self._places.append(
                    _Place(obs.type, obs.zone, obs.box_xyxy, since_s, t_s, obs.score)
                )
                place = self._places[-1]
            else:
                self._refresh(place, obs, t_s)
            place.scores.update(obs.scores)
        for place in list(self._places):
            events.extend(self._advance(place, t_s))
        return events

    def _match(self, obs: Observation, t_s: float) -> _Place | None:
        # A resumed place unseen for clear_s ended while the camera was down (_advance ends
        # it at its last sighting): what is there now is a new thing, not its continuation.
        same_type = [
            p
            for p in self._places
            if p.type == obs.type
            and not (p.resumed and t_s - p.last_seen_s >= self.scene.rule(p.type).clear_s)
        ]
        scored = [(pair_iou(p.box, obs.box_xyxy), i) for i, p in enumerate(same_type)]
        best = max(scored, default=(0.0, -1))
        if best[0] >= SAME_PLACE_IOU:
            return same_type[best[1]]
        nested = [
            p
            for p in same_type
            if max(pair_coverage(p.box, obs.box_xyxy), pair_coverage(obs.box_xyxy, p.box))
            >= SAME_PLACE_COVERAGE
        ]
        return nested[0] if nested else None

    def _refresh(self, place: _Place, obs: Observation, t_s: float) -> None:
        place.box = _blend(place.box, obs.box_xyxy)
        place.last_seen_s = t_s
        place.resumed = False
        place.score = max(place.score, obs.score)
        if place.incident is None:
            # An analyzer that restarted its stillness (the content changed in place) restarts
            # the dwell; evidence without its own start keeps the earliest one.
            place.since_s = obs.since_s if obs.since_known else min(place.since_s, obs.since_s)

    def _advance(self, place: _Place, t_s: float) -> list[IncidentEvent]:
        rule = self.scene.rule(place.type)
        if t_s - place.last_seen_s >= rule.clear_s:
            self._places.remove(place)
            return [self._end(place)] if place.incident is not None else []
        if place.incident is None:
            if place.last_seen_s == t_s and t_s - place.since_s >= rule.dwell_s:
                place.incident = self._record(place, t_s)
                return [IncidentEvent(EventKind.RAISED, place.incident)]
            return []
        if place.last_seen_s == t_s:
            updated = place.incident.model_copy(
                update={"box_xyxy": place.box, "score": place.score, "scores": dict(place.scores)}
            )
            if updated != place.incident:
                place.incident = updated
                return [IncidentEvent(EventKind.UPDATED, updated)]
        return []

    def _end(self, place: _Place) -> IncidentEvent:
        assert place.incident is not None
        ended = place.incident.model_copy(update=self._times(ended=place.last_seen_s))
        self._ended.append(ended)
        return IncidentEvent(EventKind.ENDED, ended)

    def _record(self, place: _Place, t_s: float) -> IncidentRecord:
        return IncidentRecord(
            id=self._new_id(place.type, t_s),
            camera=self.camera_id,
            type=place.type,
            box_xyxy=place.box,
            score=place.score,
            scores=dict(place.scores),
            zone=place.zone,
            repeat_of=self._repeat_of(place, t_s),
            **self._times(first_seen=place.since_s, raised=t_s),
        )

    def _repeat_of(self, place: _Place, t_s: float) -> str | None:
        cooldown_s = self.scene.rule(place.type).cooldown_s
        for earlier in reversed(self._ended):
            ended_s = self._clock(earlier, "ended")
            if (
                earlier.type == place.type
                and ended_s is not None
                and t_s - ended_s <= cooldown_s
                and pair_iou(earlier.box_xyxy, place.box) >= SAME_PLACE_IOU
            ):
                return earlier.id
        return None

    def _times(self, **moments: float) -> dict[str, object]:
        if self.live:
            return {f"{k}_at": datetime.fromtimestamp(v, UTC) for k, v in moments.items()}
        return {f"{k}_s": max(0.0, v) for k, v in moments.items()}

    def _clock(self, record: IncidentRecord, moment: str) -> float | None:
        if self.live:
            value = getattr(record, f"{moment}_at")
            return value.timestamp() if value is not None else None
        seconds: float | None = getattr(record, f"{moment}_s")
        return seconds

    def _new_id(self, code: str, t_s: float) -> str:
        if self.live:
            stamp = datetime.fromtimestamp(t_s, UTC).strftime("%Y%m%dT%H%M%SZ")
        else:
            stamp = f"{round(t_s * 1000):09d}ms"
        base = f"{self.camera_id}-{code}-{stamp}"
        candidate, n = base, 1
        while candidate in self._ids:
            n += 1
            candidate = f"{base}-{n}"
        self._ids.add(candidate)
        return candidate
