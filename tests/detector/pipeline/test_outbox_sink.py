"""A camera's incidents and bundles reach its outbox; a recording needs its start time for that."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from detector.demo.street import StreetScript
from detector.errors import ConfigError
from detector.evidence.bundle import Bundle
from detector.incidents.record import IncidentRecord
from detector.pipeline.analyzers import build_analyzers
from detector.pipeline.camera import CameraPipeline
from detector.rules.scene import SceneConfig
from tests.factories import make_camera, render_clip

STARTED_AT = "2026-11-27T08:00:00+08:00"
SCENE = SceneConfig.model_validate(
    {
        "camera": {"id": "replayed", "key_point": "market"},
        "zones": [
            {
                "name": "pavement",
                "type": "pavement",
                "polygon": [[0, 0.42], [1, 0.42], [1, 0.68], [0, 0.68]],
            }
        ],
        "rules": {"clutter": {"dwell_s": 6}},
    }
)
EVIDENCE = {"buffer_s": 10, "pre_roll_s": 2, "post_roll_s": 2}


class CollectingSink:
    """Stands in for the outbox: records what the camera hands it, in order."""

    def __init__(self) -> None:
        self.handed: list[IncidentRecord | Bundle] = []

    def incident(self, record: IncidentRecord) -> None:
        self.handed.append(record)

    def bundle(self, incident: IncidentRecord, bundle: Bundle) -> None:
        assert bundle.path.name == incident.id
        self.handed.append(bundle)


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    script = StreetScript(duration_s=16.0, fps=10, width=320, height=180, box_put_s=2.0, people=0)
    return render_clip(tmp_path_factory.mktemp("replay") / "street.mp4", script)


def test_a_recording_with_its_start_time_hands_utc_incidents_and_bundles_to_the_outbox(
    recording: Path, tmp_path: Path
) -> None:
    camera = make_camera(recording, id="replayed", started_at=STARTED_AT, evidence=EVIDENCE)
    sink = CollectingSink()
    pipeline = CameraPipeline(camera, SCENE, build_analyzers(SCENE), tmp_path, outbox=sink)
    (record,) = pipeline.run()
    assert isinstance(sink.handed[0], IncidentRecord) and isinstance(sink.handed[-1], Bundle)
    assert sink.handed[0].id == record.id and sink.handed[-1].path == Path(record.bundle or "")
    start = datetime(2026, 11, 27, 0, 0, tzinfo=UTC)
    assert record.raised_at is not None and record.raised_at.utcoffset() == timedelta(0)
    assert start + timedelta(seconds=6) <= record.raised_at <= start + timedelta(seconds=16)
    assert (
        record.raised_s is None
        and record.id == f"replayed-clutter-{record.raised_at:%Y%m%dT%H%M%SZ}"
    )


def test_a_recording_without_its_start_time_cannot_feed_an_outbox(
    recording: Path, tmp_path: Path
) -> None:
    camera = make_camera(recording, id="replayed")
    with pytest.raises(
        ConfigError, match=r"camera replayed: a recording has no UTC times.*started_at"
    ):
        CameraPipeline(camera, SCENE, [], tmp_path, outbox=CollectingSink())


@pytest.mark.parametrize(
    ("source", "started_at", "problem"),
    [
        ("rtsp://10.1.2.3/stream1", STARTED_AT, "started_at is for recorded files"),
        ("clip.mp4", "2026-11-27T08:00:00", "timezone"),
    ],
)
def test_started_at_is_for_recordings_and_needs_a_zone(
    source: str, started_at: str, problem: str
) -> None:
    with pytest.raises(ValueError, match=problem):
        make_camera(source, started_at=started_at)
