"""Camera health reports reach the service; a refused or lost report never stops the node."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from api.services.camera_health import camera_health
from detector.outbox.camera_reports import CameraReport, CameraReporter, RunState, report_of
from detector.outbox.client import ServiceClient
from detector.sources.health import CameraHealth, CameraState
from tests.detector.outbox.conftest import CAMERA, Service

SINCE = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)
HEALTH = CameraHealth(
    camera_id=CAMERA,
    state=CameraState.OFFLINE,
    since=SINCE,
    last_error="connection refused",
    last_error_at=SINCE,
    reconnects=2,
    outages=3,
    frames=120,
    last_frame_at=SINCE - timedelta(seconds=5),
)


def test_a_source_s_health_becomes_a_report_with_the_workers_counts() -> None:
    report = report_of(HEALTH, "node-1:77", incidents=4, restarts=1, outbox_pending=2)
    assert report.state is RunState.OFFLINE and report.since == SINCE
    assert (report.frames, report.reconnects, report.outages) == (120, 2, 3)
    assert (report.incidents, report.restarts, report.outbox_pending) == (4, 1, 2)
    assert report.last_error == "connection refused"


def test_the_service_shows_what_the_reporter_sent(service: Service) -> None:
    client = ServiceClient(service.url, service.key)
    reports = [
        (CAMERA, report_of(HEALTH, "node-1:77", incidents=4)),
        ("cam-unknown", CameraReport(node="node-1:77", state=RunState.ONLINE, since=SINCE)),
    ]
    reporter = CameraReporter(client, lambda: reports, interval_s=0.05)
    try:
        assert reporter.report_once() == 1  # the unregistered camera is refused, not fatal
        reporter.start()
        reporter.stop()
    finally:
        client.close()
    with service.database.session() as session:
        seen = {
            v.camera: v for v in camera_health(session, datetime.now(UTC), timedelta(minutes=2))
        }
    shown = seen[CAMERA]
    assert (shown.state, shown.stale, shown.node) == ("offline", False, "node-1:77")
    assert shown.report is not None and shown.report.incidents == 4


def test_an_unreachable_service_is_a_reason_not_an_exception() -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    client = ServiceClient("http://tickets:8000", "so_key", transport=httpx.MockTransport(down))
    reporter = CameraReporter(client, lambda: [(CAMERA, report_of(HEALTH, "n"))])
    assert reporter.report_once() == 0
    reason = client.put_camera_report(CAMERA, report_of(HEALTH, "n").model_dump_json())
    assert reason is not None and "connection refused" in reason
