"""Camera streams: admins assign a camera to a watch group; the group's driver reads them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from api.db.engine import Database
from api.db.models import AuditRecord, CameraStream
from api.security.api_keys import issue_key
from tests.api.conftest import login

STREAM: dict[str, Any] = {
    "source": "rtsp://viewer:s3cret@10.0.0.7/stream1",
    "group": "east",
    "sampling": {"mode": "rate", "rate_fps": 1},
    "scene": {
        "zones": [
            {
                "name": "pavement",
                "type": "pavement",
                "polygon": [[0, 0.5], [1, 0.5], [1, 1], [0, 1]],
            }
        ],
        "rules": {"clutter": {"dwell_s": 120}},
    },
}


@pytest.fixture
def node(engine: Engine, client: tuple[TestClient, str]) -> Iterator[dict[str, str]]:
    database = Database(engine.url.render_as_string(hide_password=False))
    try:
        with database.session() as session:
            key = issue_key(session, "node-east", now=datetime.now(UTC)).plain
        yield {"X-API-Key": key}
    finally:
        database.dispose()


def _streams(http: TestClient, headers: dict[str, str], group: str = "east") -> list[Any]:
    answer = http.get("/api/v1/cameras/streams", params={"group": group}, headers=headers)
    assert answer.status_code == 200, answer.text
    rows: list[Any] = answer.json()
    return rows


def test_an_assigned_stream_reaches_its_groups_driver_with_the_camera_as_registered(
    client: tuple[TestClient, str], node: dict[str, str]
) -> None:
    http, _ = client
    admin = login(http, "root")
    assert _streams(http, node) == []
    created = http.put("/api/v1/cameras/cam-east/stream", json=STREAM, headers=admin)
    assert created.status_code == 201, created.text
    assert created.json()["revision"] == 1

    [row] = _streams(http, node)
    assert row["camera"] == {"id": "cam-east", "name": "", "key_point": "hospital", "squad": "east"}
    assert row["stream"]["source"] == STREAM["source"]  # the node needs the password
    assert row["stream"]["scene"]["rules"]["clutter"]["dwell_s"] == 120
    assert _streams(http, node, group="west") == []

    again = http.put("/api/v1/cameras/cam-east/stream", json=STREAM, headers=admin)
    assert (again.status_code, again.json()["revision"]) == (200, 1)
    moved = http.put(
        "/api/v1/cameras/cam-east/stream", json=STREAM | {"group": "west"}, headers=admin
    )
    assert moved.json()["revision"] == 2
    assert _streams(http, node) == [] and len(_streams(http, node, group="west")) == 1


def test_taking_a_stream_out_leaves_the_camera_registered(
    client: tuple[TestClient, str], node: dict[str, str]
) -> None:
    http, _ = client
    admin = login(http, "root")
    http.put("/api/v1/cameras/cam-east/stream", json=STREAM, headers=admin)
    assert http.delete("/api/v1/cameras/cam-east/stream", headers=admin).status_code == 204
    assert _streams(http, node) == []
    assert http.get("/api/v1/cameras/cam-east/stream", headers=node).status_code == 403
    gone = http.get("/api/v1/cameras/cam-east/stream", headers=admin)
    assert gone.status_code == 404 and "has no stream" in gone.json()["detail"]
    assert http.delete("/api/v1/cameras/cam-east/stream", headers=admin).status_code == 404
    cameras = http.get("/api/v1/cameras", headers=admin).json()
    assert [camera["id"] for camera in cameras] == ["cam-east"]


def _camera_trail(engine: Engine) -> list[tuple[str, str, Any, Any]]:
    """The cameras' audit records: (action, actor, before, after), oldest first."""
    database = Database(engine.url.render_as_string(hide_password=False))
    try:
        with database.session() as session:
            records = session.scalars(
                select(AuditRecord).where(AuditRecord.entity == "camera").order_by(AuditRecord.seq)
            ).all()
            return [(r.action, r.actor, r.before, r.after) for r in records]
    finally:
        database.dispose()


def test_the_audit_trail_hides_the_cameras_password(
    client: tuple[TestClient, str], engine: Engine
) -> None:
    http, _ = client
    admin = login(http, "root")
    http.put("/api/v1/cameras/cam-east/stream", json=STREAM, headers=admin)
    http.delete("/api/v1/cameras/cam-east/stream", headers=admin)
    trail = _camera_trail(engine)
    assert [(action, actor) for action, actor, _, _ in trail] == [
        ("assign_stream", "root"),
        ("remove_stream", "root"),
    ]
    assigned, removed = trail[0][3], trail[1][2]
    assert assigned is not None and removed is not None
    assert assigned["source"] == removed["source"] == "rtsp://viewer:***@10.0.0.7/stream1"
    assert "s3cret" not in repr(trail)


def test_the_audit_trail_hides_credentials_in_the_query(
    client: tuple[TestClient, str], engine: Engine
) -> None:
    http, _ = client
    source = "rtsp://10.0.0.7/stream1?User=viewer&PassWord=s3cret&token=t0k3n"
    stream = STREAM | {"source": source}
    http.put("/api/v1/cameras/cam-east/stream", json=stream, headers=login(http, "root"))
    [(_, _, _, assigned)] = _camera_trail(engine)
    assert assigned["source"] == "rtsp://10.0.0.7/stream1?User=viewer&PassWord=***&token=***"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"source": "clips/street.mp4"}, "absolute path"),
        ({"group": "east side"}, "group"),
        ({"source": "rtsp://viewer:s3[cret@10.0.0.7/stream1"}, "not a URL the nodes can parse"),
        ({"scene": {"zones": []}}, "zones"),
        ({"scene": STREAM["scene"] | {"rules": {"jaywalking": {}}}}, "unknown violation code"),
        ({"started_at": "2026-11-27T08:00:00+08:00"}, "started_at is for recordings"),
        ({"fps": 5}, "fps"),
    ],
)
def test_a_stream_the_nodes_could_not_run_is_refused(
    client: tuple[TestClient, str], change: dict[str, Any], expected: str
) -> None:
    http, _ = client
    answer = http.put(
        "/api/v1/cameras/cam-east/stream", json=STREAM | change, headers=login(http, "root")
    )
    assert answer.status_code == 422
    assert expected in answer.text


def test_a_stream_without_a_group_is_refused(client: tuple[TestClient, str]) -> None:
    http, _ = client
    body = {key: value for key, value in STREAM.items() if key != "group"}
    answer = http.put("/api/v1/cameras/cam-east/stream", json=body, headers=login(http, "root"))
    assert answer.status_code == 422
    [error] = answer.json()["detail"]
    assert (error["loc"], error["type"]) == (["body", "group"], "missing")


def test_a_node_reads_one_groups_streams_and_only_admins_read_all(
    client: tuple[TestClient, str], node: dict[str, str]
) -> None:
    http, _ = client
    admin = login(http, "root")
    http.put("/api/v1/cameras/cam-east/stream", json=STREAM, headers=admin)
    everything = http.get("/api/v1/cameras/streams", headers=node)
    assert everything.status_code == 422
    assert everything.json()["detail"] == "detector nodes ask for one group's streams: ?group=NAME"
    assert "s3cret" not in everything.text
    assert len(_streams(http, node)) == 1
    every_group = http.get("/api/v1/cameras/streams", headers=admin)
    assert [row["camera"]["id"] for row in every_group.json()] == ["cam-east"]


def _missing_the_row(monkeypatch: pytest.MonkeyPatch, times: int) -> list[Any]:
    """The next ``times`` looks for a camera's stream row miss it, as a request that looked
    before another one's insert committed does."""
    real_get = Session.get
    missed: list[Any] = []

    def get_before_the_other_wrote(session: Session, entity: Any, ident: Any, **kw: Any) -> Any:
        if entity is CameraStream and len(missed) < times:
            missed.append(ident)
            return None
        return real_get(session, entity, ident, **kw)

    monkeypatch.setattr(Session, "get", get_before_the_other_wrote)
    return missed


def test_two_first_assignments_at_once_both_land_one_after_the_other(
    client: tuple[TestClient, str], engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    http, _ = client
    admin = login(http, "root")
    assert (
        http.put("/api/v1/cameras/cam-east/stream", json=STREAM, headers=admin).status_code == 201
    )
    # The second request looked before the first one's row existed, then wrote after it: it
    # loses the insert, runs again on the new state and updates.
    missed = _missing_the_row(monkeypatch, times=1)
    west = STREAM | {"group": "west"}
    second = http.put("/api/v1/cameras/cam-east/stream", json=west, headers=admin)
    assert (second.status_code, missed) == (200, ["cam-east"])
    assert (second.json()["stream"]["group"], second.json()["revision"]) == ("west", 2)
    trail = [action for action, _, _, _ in _camera_trail(engine)]
    assert trail == ["assign_stream", "update_stream"]


def test_a_write_that_keeps_losing_the_race_is_a_409_to_send_again(
    client: tuple[TestClient, str], engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    http, _ = client
    admin = login(http, "root")
    http.put("/api/v1/cameras/cam-east/stream", json=STREAM, headers=admin)
    _missing_the_row(monkeypatch, times=1000)
    lost = http.put(
        "/api/v1/cameras/cam-east/stream", json=STREAM | {"group": "west"}, headers=admin
    )
    assert lost.status_code == 409
    assert lost.json()["detail"] == (
        "camera cam-east's stream was changed by someone else at the same moment; send it again"
    )
    monkeypatch.undo()
    kept = http.get("/api/v1/cameras/cam-east/stream", headers=admin).json()
    assert (kept["stream"]["group"], kept["revision"]) == ("east", 1)  # nothing half-written
    assert [action for action, _, _, _ in _camera_trail(engine)] == ["assign_stream"]


def test_only_admins_assign_and_only_admins_and_nodes_read_sources(
    client: tuple[TestClient, str], node: dict[str, str]
) -> None:
    http, _ = client
    for user in ("wang", "li-east"):
        headers = login(http, user)
        put = http.put("/api/v1/cameras/cam-east/stream", json=STREAM, headers=headers)
        assert put.status_code == 403
        assert http.get("/api/v1/cameras/streams", headers=headers).status_code == 403
    assert http.put("/api/v1/cameras/cam-east/stream", json=STREAM, headers=node).status_code == 403
    unknown = http.put("/api/v1/cameras/cam-north/stream", json=STREAM, headers=login(http, "root"))
    assert unknown.status_code == 404 and "not registered" in unknown.json()["detail"]
