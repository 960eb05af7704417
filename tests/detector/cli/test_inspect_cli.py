"""`streetorder inspect`: a video inspection round of a key point records the inspection with
its findings, and each finding became a ticket; an unreadable camera does not stop the round."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from api.db.models import Inspection, Ticket
from detector.cli.inspect import _key_point_cameras
from detector.cli.main import app
from detector.errors import StreetOrderError
from detector.inspection.service import InspectionService
from detector.pipeline.watch import load_watch
from tests.detector.cli.inspection_service import (
    KEY_POINT,
    NOW,
    NodeService,
    cameras_file,
    error_line,
    node_service,
    street_clips,
)

__all__ = ["node_service", "street_clips"]  # fixtures


def test_inspection_records_its_findings_which_become_tickets(
    node_service: NodeService, street_clips: dict[str, Path], tmp_path: Path
) -> None:
    started = (NOW - timedelta(hours=1)).isoformat()
    config = cameras_file(
        tmp_path,
        {"cam-a": street_clips["back"], "cam-gone": tmp_path / "missing.mp4"},
        extra=f"started_at: '{started}', ",
    )
    args = ["inspect", str(config), "--key-point", KEY_POINT, "--inspector", "wang"]
    args += ["--api", node_service.url, "--camera", "cam-a", "--camera", "cam-gone"]
    # The scene's 300 s dwell is capped to half the 8 s window: the box standing still from
    # 0.5 s on is found.
    args += ["--seconds", "8"]

    result = CliRunner().invoke(app, args)

    assert result.exit_code == 0, result.output
    (incident,) = (tmp_path / "out" / "inspect" / "cam-a" / "incidents.jsonl").open()
    finding = json.loads(incident)["id"]
    with node_service.database.session() as session:
        (inspection,) = session.scalars(select(Inspection)).all()
        ticket = session.scalars(select(Ticket).where(Ticket.incident_id == finding)).one()
        assert (inspection.kind, inspection.inspector) == ("video", "wang")
        assert inspection.cameras == {"ids": ["cam-a"]}  # cam-gone could not be looked at
        assert inspection.findings == {"incidents": [finding]}
        assert (ticket.camera_id, ticket.type, ticket.status) == (
            "cam-a",
            "clutter",
            "pending_review",
        )
    assert f"inspection I-{inspection.id} recorded" in result.output
    assert "problem: camera cam-gone: video file not found" in result.output
    assert "outbox: 0 pending, 2 sent, 0 dead" in result.output  # the incident and its bundle


def test_no_readable_camera_records_nothing(node_service: NodeService, tmp_path: Path) -> None:
    config = cameras_file(tmp_path, {"cam-gone": tmp_path / "missing.mp4"})
    args = ["inspect", str(config), "--key-point", KEY_POINT, "--inspector", "wang"]
    result = CliRunner().invoke(app, [*args, "--api", node_service.url, "--camera", "cam-gone"])
    assert result.exit_code == 1
    assert "no camera could be read; nothing recorded" in str(result.exception)
    with node_service.database.session() as session:
        assert session.scalars(select(Inspection)).all() == []


CAMERAS = [
    {"id": "cam-a", "key_point": "market-1", "squad": "east"},
    {"id": "cam-b", "key_point": "school-2", "squad": "east"},
]


@pytest.mark.parametrize(
    ("status", "key_point", "named", "chosen", "fragment"),
    [
        (200, "market-1", [], ["cam-a"], None),
        (200, "market-1", ["cam-b"], ["cam-b"], None),  # named: the service is not asked
        (200, "hospital-9", [], None, "--key-point hospital-9: no camera is registered there"),
        (200, "market-1", ["cam-x"], None, "no camera cam-x in this file"),
        (401, "market-1", [], None, "people only (HTTP 401: log in first); name the key"),
    ],
)
def test_the_key_points_cameras_come_from_the_service_or_the_command_line(
    tmp_path: Path,
    status: int,
    key_point: str,
    named: list[str],
    chosen: list[str] | None,
    fragment: str | None,
) -> None:
    path = cameras_file(tmp_path, {"cam-a": "a.mp4", "cam-b": "b.mp4"})
    _, cameras = load_watch(path)

    def answer(request: httpx.Request) -> httpx.Response:
        assert request.headers["X-API-Key"] == "key"
        if request.url.path == "/api/v1/inspections":  # --camera: only the key is checked
            return httpx.Response(200, json=[])
        assert request.url.path == "/api/v1/cameras"
        body = CAMERAS if status == 200 else {"detail": "log in first"}
        return httpx.Response(status, json=body)

    with InspectionService("http://svc", "key", transport=httpx.MockTransport(answer)) as service:
        if fragment is None:
            found = _key_point_cameras(service, key_point, named, cameras, path)
            assert [camera.id for camera, _ in found] == chosen
        else:
            with pytest.raises(StreetOrderError) as error:
                _key_point_cameras(service, key_point, named, cameras, path)
            assert fragment in str(error.value)


@pytest.mark.parametrize(
    ("api", "key", "fragment"),
    [
        ("tickets.example:8000", "k", "--api: expected the service's http(s)://host"),
        ("http://127.0.0.1:9", "", "--api needs this node's key"),
        ("http://127.0.0.1:9", "k", "service unreachable at http://127.0.0.1:9"),
    ],
)
def test_mistakes_are_one_line(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    api: str,
    key: str,
    fragment: str,
) -> None:
    config = cameras_file(tmp_path, {"cam-a": tmp_path / "a.mp4"})
    monkeypatch.setenv("STREETORDER_API_KEY", key)
    args = ["inspect", str(config), "--key-point", KEY_POINT, "--inspector", "wang"]
    line = error_line(monkeypatch, capsys, *args, "--api", api)
    assert line.startswith("error: ") and fragment in line


def test_a_wrong_key_is_one_line_before_any_camera_runs(
    node_service: NodeService,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = cameras_file(tmp_path, {"cam-a": tmp_path / "a.mp4"})
    monkeypatch.setenv("STREETORDER_API_KEY", "so_wrong_key")
    args = ["inspect", str(config), "--key-point", KEY_POINT, "--camera", "cam-a"]
    line = error_line(monkeypatch, capsys, *args, "--inspector", "wang", "--api", node_service.url)
    assert "the service refused this node's key (HTTP 401" in line
    assert not (tmp_path / "out").exists()  # no camera was looked at


def test_without_camera_names_the_service_is_asked_for_the_key_points_cameras(
    node_service: NodeService, tmp_path: Path
) -> None:
    """The node asks the service for the key point's cameras: it looks at cam-a (whose file
    is missing, so the round ends with the camera named and nothing recorded)."""
    config = cameras_file(tmp_path, {"cam-a": tmp_path / "a.mp4"})
    args = ["inspect", str(config), "--key-point", KEY_POINT, "--inspector", "wang"]
    result = CliRunner().invoke(app, [*args, "--api", node_service.url, "--seconds", "2"])
    assert result.exit_code == 1
    assert "inspection of market-1: no camera could be read" in str(result.exception)
