"""The streams a driver takes from the service: asked every few seconds, kept when the service
cannot answer, and remembered for a start without it."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import httpx
import pytest

from detector.engine.service_streams import ServiceStreams
from detector.outbox.client import ServiceClient, ServiceError

ROW: dict[str, Any] = {
    "camera": {"id": "cam-9", "name": "", "key_point": "market", "squad": "east"},
    "stream": {
        "source": "rtsp://viewer:pw@cam-9/ch1",
        "group": "east",
        "scene": {
            "zones": [{"name": "p", "type": "pavement", "polygon": [[0, 0], [1, 0], [1, 1]]}]
        },
    },
    "revision": 1,
}


def _streams(
    tmp_path: Path, answer: httpx.Response | Exception
) -> tuple[ServiceStreams, list[httpx.Request]]:
    asked: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        asked.append(request)
        if isinstance(answer, Exception):
            raise answer
        return answer

    client = ServiceClient("http://tickets:8000", "key", transport=httpx.MockTransport(handle))
    return ServiceStreams(client, "east", tmp_path, every_s=60.0), asked


def test_a_good_answer_is_used_and_kept_for_a_start_without_the_service(tmp_path: Path) -> None:
    streams, asked = _streams(tmp_path, httpx.Response(200, json=[ROW]))
    assert streams.due()
    [assigned] = streams.fetch()
    assert assigned.camera.id == "cam-9" and not streams.due()
    assert asked[0].url.params["group"] == "east"
    later, _ = _streams(tmp_path, httpx.ConnectError("connection refused"))
    with pytest.raises(ServiceError, match="unreachable at http://tickets:8000"):
        later.fetch()
    assert later.cached() == [assigned]
    # The cache holds camera passwords: for this user's eyes only.
    assert stat.S_IMODE(later.cache_path.stat().st_mode) == 0o600


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (httpx.Response(401, json={"detail": "unknown key"}), "refused this node's key"),
        (httpx.Response(404, json={"detail": "Not Found"}), "HTTP 404: Not Found"),
        (httpx.Response(200, text="<html>"), "other than JSON"),
        (httpx.Response(200, json=[ROW | {"revision": 0}]), "does not fit this detector"),
        (httpx.Response(200, json={"detail": "x"}), "does not fit this detector"),
    ],
)
def test_an_answer_it_cannot_use_is_one_line(
    tmp_path: Path, answer: httpx.Response, expected: str
) -> None:
    streams, _ = _streams(tmp_path, answer)
    with pytest.raises(ServiceError, match=expected) as raised:
        streams.fetch()
    assert "\n" not in str(raised.value)
    assert streams.cached() is None


def test_a_torn_cache_is_ignored(tmp_path: Path) -> None:
    streams, _ = _streams(tmp_path, httpx.Response(200, json=[]))
    streams.cache_path.write_text(json.dumps([ROW])[:40], encoding="utf-8")
    assert streams.cached() is None
