from __future__ import annotations

from pathlib import Path

import pytest

from detector.errors import StreetOrderError
from detector.pipeline.incident_log import IncidentLog
from tests.factories import make_incident


def test_a_restart_keeps_what_earlier_runs_wrote(tmp_path: Path) -> None:
    path = tmp_path / "incidents.jsonl"
    first = IncidentLog(path)
    first.upsert(make_incident(id="run1-a"))
    first.upsert(make_incident(id="run1-b"))
    second = IncidentLog(path)
    second.upsert(make_incident(id="run2-a"))
    second.upsert(make_incident(id="run1-a", ended_s=30.0))
    lines = path.read_text().splitlines()
    assert len(lines) == 3
    assert [i.id for i in IncidentLog(path).incidents] == ["run1-a", "run1-b", "run2-a"]
    assert IncidentLog(path).get("run1-a").ended_s == 30.0  # type: ignore[union-attr]


def test_a_damaged_log_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "incidents.jsonl"
    path.write_text('{"id": "x"}\n')
    with pytest.raises(StreetOrderError, match=r"incidents.jsonl: line 1 is not an incident"):
        IncidentLog(path)
