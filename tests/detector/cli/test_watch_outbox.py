"""`streetorder watch --api`: a replayed recording's incident and bundle reach the ticket
service; a recording without its start time cannot; argument mistakes are one line."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from api.db.engine import Database
from api.security.api_keys import issue_key
from api.server import ServiceThread
from api.services.camera_health import camera_health
from api.settings import ApiSettings
from detector.demo.street import StreetScript
from tests.detector.cli.test_cli import streetorder
from tests.factories import add_place, render_clip, service_rows

SCENE_YAML = """
camera: {{id: {camera}, name: "Replayed street", key_point: market}}
zones:
  - {{name: pavement, type: pavement, polygon: [[0, 0.42], [1, 0.42], [1, 0.68], [0, 0.68]]}}
rules:
  clutter: {{dwell_s: 6}}
"""
CAMERA_LINE = (
    "  - {{scene: {camera}.yaml, source: {source}, {extra}"
    "evidence: {{buffer_s: 10, pre_roll_s: 2, post_roll_s: 2}}}}\n"
)


@pytest.fixture(scope="module")
def cameras_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two recordings replayed as cameras: one with its start time, one without."""
    folder = tmp_path_factory.mktemp("watch-api")
    script = StreetScript(duration_s=16.0, fps=10, width=320, height=180, box_put_s=2.0, people=0)
    clip = render_clip(folder / "street.mp4", script)
    lines = [f"out: {folder / 'out'}\n", "outbox: {backoff_initial_s: 0.1, drain_grace_s: 20}\n"]
    lines.append("cameras:\n")
    for camera, extra in (("replay-01", "started_at: '2026-11-27T08:00:00+08:00', "), ("old", "")):
        (folder / f"{camera}.yaml").write_text(SCENE_YAML.format(camera=camera), encoding="utf-8")
        lines.append(CAMERA_LINE.format(camera=camera, source=clip, extra=extra))
    path = folder / "cameras.yaml"
    path.write_text("".join(lines), encoding="utf-8")
    return path


@pytest.fixture
def service(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, Database]]:
    """The ticket service on SQLite with camera replay-01 registered; the key in the environment."""
    settings = ApiSettings(data_dir=tmp_path / "service")
    with ServiceThread(settings) as server:
        database = Database(settings.effective_database_url)
        with database.session() as session:
            add_place(session, camera_id="replay-01")
            key = issue_key(session, "node-watch", now=datetime.now(UTC)).plain
        monkeypatch.setenv("STREETORDER_API_KEY", key)
        yield server.url, database
        database.dispose()


def test_watch_sends_the_incident_and_its_bundle_to_the_service(
    cameras_file: Path, service: tuple[str, Database]
) -> None:
    url, database = service
    result = streetorder("watch", str(cameras_file), "--api", url, "--seconds", "60")
    assert result.returncode == 0, result.stderr
    assert "outbox: 0 pending, 2 sent, 0 dead" in result.stdout
    tickets, audit = service_rows(database)
    (incident,) = (cameras_file.parent / "out" / "replay-01" / "incidents.jsonl").open()
    record = json.loads(incident)
    assert record["raised_at"].startswith("2026-11-27T00:00:")  # 08:00 +08:00 plus the dwell
    manifest = json.loads(Path(record["bundle"], "manifest.json").read_text())
    assert tickets == {record["id"]: manifest["manifest_sha256"]}
    assert audit == {"ingest": 1, "evidence": 1}
    # A recording without its start time has no UTC times: that camera does not start.
    assert "camera old: a recording has no UTC" in result.stderr
    old_row = next(line for line in result.stdout.splitlines() if "│ old" in line)
    assert "failed" in old_row
    # The node reported its camera's health; the last report says the recording was read.
    with database.session() as session:
        (seen,) = [v for v in camera_health(session, datetime.now(UTC), timedelta(minutes=2))]
    assert (seen.camera, seen.state, seen.stale) == ("replay-01", "finished", False)
    assert seen.report is not None and seen.report.frames >= 16 and seen.report.incidents == 1


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--api", "tickets.example:8000"], "--api: expected the service's http(s)://host"),
        (["--api", "http://127.0.0.1:9"], "--api needs this node's key"),
    ],
)
def test_watch_api_mistakes_are_one_line(
    cameras_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    fragment: str,
) -> None:
    from detector.cli.main import run

    monkeypatch.delenv("STREETORDER_API_KEY", raising=False)
    monkeypatch.setattr(sys, "argv", ["streetorder", "watch", str(cameras_file), *args])
    with pytest.raises(SystemExit) as exit_status:
        run()
    assert exit_status.value.code == 1
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("error: ") and fragment in line
