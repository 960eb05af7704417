"""The cameras the ticket service assigns to a watch group, with the last good answer kept.

An admin adds a camera to a running cluster with ``PUT /api/v1/cameras/{id}/stream`` and
removes it with ``DELETE``; the driver asks every few seconds. A service that cannot be
reached changes nothing: the cameras it assigned go on, and a driver that starts while it is
down runs the list it last saw (``out/service-streams-<group>.json``).
"""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path

from pydantic import TypeAdapter, ValidationError

from detector.outbox.client import ServiceClient, ServiceError
from detector.pipeline.streams import AssignedStream

log = logging.getLogger(__name__)

STREAMS = TypeAdapter(list[AssignedStream])


class ServiceStreams:
    """``due()`` says when to ask again; ``fetch()`` asks (``ServiceError`` when it cannot
    tell); ``cached()`` is the last good answer, from this run or an earlier one."""

    def __init__(
        self, client: ServiceClient, group: str, cache_dir: Path, every_s: float = 10.0
    ) -> None:
        self.client = client
        self.group = group
        self.every_s = every_s
        self.cache_path = cache_dir / f"service-streams-{group}.json"
        self._next_s = 0.0

    def due(self) -> bool:
        return time.monotonic() >= self._next_s

    def fetch(self) -> list[AssignedStream]:
        self._next_s = time.monotonic() + self.every_s
        body = self.client.camera_streams(self.group)
        try:
            streams = STREAMS.validate_python(body)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            raise ServiceError(
                f"streams of group {self.group!r}: the service's answer does not fit this "
                f"detector ({where}: {first['msg']}); is it another version?"
            ) from None
        self._save(streams)
        return streams

    def cached(self) -> list[AssignedStream] | None:
        try:
            return STREAMS.validate_json(self.cache_path.read_bytes())
        except FileNotFoundError:
            return None
        except (OSError, ValidationError) as exc:
            log.warning("%s: unreadable (%s); ignored", self.cache_path, type(exc).__name__)
            return None

    def _save(self, streams: list[AssignedStream]) -> None:
        body = json.dumps(STREAMS.dump_python(streams, mode="json"), ensure_ascii=False)
        try:
            if self.cache_path.is_file() and self.cache_path.read_text("utf-8") == body:
                return
            self.cache_path.parent.mkdir(parents=True, exist_ok=True)
            temporary = self.cache_path.with_suffix(".tmp")
            # Stream URLs may carry camera passwords: readable by this user only.
            descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "w", encoding="utf-8") as file:
                file.write(body)
            temporary.replace(self.cache_path)
        except OSError as exc:  # only a later start without the service loses by it
            log.warning("%s: not written (%s)", self.cache_path, exc)
