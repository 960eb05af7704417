"""What each answer of the service means for a message, and what is sent."""

from __future__ import annotations

import io
import re
import tarfile
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from detector.evidence.bundle import Bundle
from detector.incidents.record import IncidentRecord
from detector.outbox import (
    BundleRef,
    MessageKind,
    OutboxError,
    Outcome,
    ServiceClient,
    bundle_archive,
    classify,
)
from tests.detector.outbox.conftest import incident

INCIDENT = MessageKind.INCIDENT
BUNDLE = MessageKind.BUNDLE


@pytest.mark.parametrize(
    ("kind", "status", "outcome"),
    [
        (INCIDENT, 201, Outcome.DELIVERED),  # a new ticket
        (INCIDENT, 200, Outcome.DELIVERED),  # updated, or a resend that changed nothing
        (BUNDLE, 200, Outcome.DELIVERED),
        (INCIDENT, 401, Outcome.UNREACHABLE),  # the key may be added later: everything waits
        (INCIDENT, 403, Outcome.UNREACHABLE),
        (INCIDENT, 429, Outcome.UNREACHABLE),
        (INCIDENT, 502, Outcome.UNREACHABLE),
        (INCIDENT, 503, Outcome.UNREACHABLE),
        (INCIDENT, 504, Outcome.UNREACHABLE),
        (INCIDENT, 301, Outcome.UNREACHABLE),  # a wrong URL must not kill messages
        (INCIDENT, 405, Outcome.UNREACHABLE),
        (INCIDENT, 404, Outcome.NOT_YET),  # camera not registered yet
        (BUNDLE, 404, Outcome.NOT_YET),  # ticket not there yet
        (INCIDENT, 409, Outcome.NOT_YET),
        (INCIDENT, 500, Outcome.NOT_YET),  # fails on this one: the others go on
        (INCIDENT, 422, Outcome.REFUSED),
        (BUNDLE, 422, Outcome.REFUSED),  # tampered
        (BUNDLE, 413, Outcome.REFUSED),
        (BUNDLE, 409, Outcome.REFUSED),  # a different bundle is stored
    ],
)
def test_answers_are_classified(kind: MessageKind, status: int, outcome: Outcome) -> None:
    assert classify(kind, status) is outcome


def test_requests_carry_the_key_and_the_record_byte_for_byte(
    bundle_of: Callable[[IncidentRecord], Bundle],
) -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.method == "POST":
            return httpx.Response(404, json={"detail": "unknown camera 'cam-outbox'"})
        return httpx.Response(200, json={"incident_id": "x", "manifest_sha256": "y"})

    record = incident(1)
    bundle = bundle_of(record)
    client = ServiceClient("http://tickets:8000/", "so_key", transport=httpx.MockTransport(answer))
    posted = client.post_incident(record.model_dump_json())
    assert posted.outcome is Outcome.NOT_YET
    assert posted.detail == "HTTP 404: unknown camera 'cam-outbox'"
    ref = BundleRef(path=bundle.path, manifest_sha256=bundle.manifest_sha256)
    assert client.put_bundle(record.id, bundle_archive(ref)).outcome is Outcome.DELIVERED
    post, put = seen
    assert str(post.url) == "http://tickets:8000/api/v1/incidents"
    assert post.headers["X-API-Key"] == "so_key"
    assert post.content == record.model_dump_json().encode()
    assert str(put.url) == f"http://tickets:8000/api/v1/incidents/{record.id}/bundle"
    with tarfile.open(fileobj=io.BytesIO(put.content)) as tar:
        assert sorted(tar.getnames()) == sorted(p.name for p in bundle.path.iterdir())


def test_no_connection_is_unreachable() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    client = ServiceClient("http://tickets:8000", "so_key", transport=httpx.MockTransport(refuse))
    answer = client.post_incident(incident(1).model_dump_json())
    assert answer.outcome is Outcome.UNREACHABLE
    assert answer.detail == "http://tickets:8000: [Errno 111] Connection refused"


@pytest.mark.parametrize(
    ("url", "key", "message"),
    [
        ("tickets:8000", "k", "expected the service's http(s)://host[:port] URL"),
        ("ftp://tickets", "k", "expected the service's http(s)://host[:port] URL"),
        ("http://", "k", "expected the service's http(s)://host[:port] URL"),
        ("http://[::1", "k", "not a URL"),
        ("http://tickets/?a=1", "k", "no query or fragment"),
        ("http://tickets", " ", "needs an API key"),
    ],
)
def test_a_bad_service_url_or_key_is_one_line(url: str, key: str, message: str) -> None:
    with pytest.raises(OutboxError, match=re.escape(message)) as err:
        ServiceClient(url, key)
    assert "\n" not in str(err.value)


def test_a_vanished_or_changed_bundle_is_not_packed(
    bundle_of: Callable[[IncidentRecord], Bundle], tmp_path: Path
) -> None:
    bundle = bundle_of(incident(1))
    ref = BundleRef(path=bundle.path, manifest_sha256=bundle.manifest_sha256)
    (bundle.path / "frame.jpg").write_bytes(b"edited")
    with pytest.raises(
        OutboxError, match=re.escape("changed since it was written: changed frame.jpg")
    ):
        bundle_archive(ref)
    gone = BundleRef(path=tmp_path / "nothing", manifest_sha256=bundle.manifest_sha256)
    with pytest.raises(OutboxError, match="bundle folder vanished"):
        bundle_archive(gone)
