"""The sender thread on its own: it keeps going through failures and stops when asked, leaving
what it could not deliver in the spool."""

from __future__ import annotations

import logging
from pathlib import Path

import httpx
import pytest

from detector.outbox import Outbox, ServiceClient
from tests.detector.outbox.conftest import FAST, incident, wait_until


def outbox_answering(tmp_path: Path, answer: httpx.MockTransport) -> Outbox:
    client = ServiceClient("http://tickets:8000", "so_key", transport=answer)
    return Outbox(tmp_path / "outbox.sqlite", client, FAST)


def test_stopping_while_the_service_is_down_keeps_the_messages(tmp_path: Path) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    outbox = outbox_answering(tmp_path, httpx.MockTransport(refuse))
    outbox.start()
    outbox.incident(incident(1))
    outbox.incident(incident(2))
    wait_until(lambda: outbox.status().last_error is not None)
    left = outbox.close(grace_s=5.0)
    assert (left.pending, left.sent) == (2, 0)
    assert not outbox.sender.running


def test_an_unexpected_failure_is_logged_and_the_sender_goes_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    calls: list[str] = []

    def flaky(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        if len(calls) == 1:
            raise RuntimeError("a bug")
        return httpx.Response(201, json={"ticket": "T-1"})

    outbox = outbox_answering(tmp_path, httpx.MockTransport(flaky))
    outbox.start()
    with caplog.at_level(logging.ERROR, logger="detector.outbox"):
        outbox.incident(incident(1))
        wait_until(lambda: outbox.status().sent == 1)
    outbox.close()
    assert len(calls) == 2
    assert "the sender failed" in caplog.text
