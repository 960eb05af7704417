"""Live stream sources (RTSP, RTMP, HTTP): reconnect with backoff, report health, never crash."""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable, Iterator

import av.error

from detector.errors import SourceError, SourceUnavailableError
from detector.sources.backoff import ExponentialBackoff
from detector.sources.config import LiveConfig
from detector.sources.demux import ReadOptions, StreamReader, WallClockAnchor
from detector.sources.frames import Frame, PacketSink
from detector.sources.health import HealthBoard
from detector.sources.locator import SourceKind, SourceLocation
from detector.sources.opening import ffmpeg_cause, open_input

log = logging.getLogger(__name__)


class LiveSource:
    """Frames of a live stream with UTC timestamps, across as many reconnects as it takes.

    A stream that ends, errors, or delivers no packet for ``stall_timeout_s`` is a disconnect:
    health goes offline with the cause, and the stream is reopened after an exponential,
    jittered delay. With ``max_connect_attempts`` set, that many failures in a row end the
    source with a ``SourceError`` (for one-shot runs); without it the source retries forever.
    """

    def __init__(
        self,
        location: SourceLocation,
        options: ReadOptions,
        live: LiveConfig,
        *,
        packet_sink: PacketSink | None = None,
        health: HealthBoard | None = None,
        rng: random.Random | None = None,
        on_connection_end: Callable[[], None] | None = None,
    ) -> None:
        if location.kind is not SourceKind.STREAM:
            raise ValueError("LiveSource reads stream URLs")
        self.location = location
        self.options = options
        self.camera_id = options.camera_id
        self.live = live
        self.packet_sink = packet_sink
        self.on_connection_end = on_connection_end
        """Called when a connection ends: evidence waiting for post-roll is cut then."""
        self.health = health or HealthBoard()
        self.backoff = ExponentialBackoff(live.backoff_initial_s, live.backoff_max_s, rng=rng)
        self.epoch = 0
        self._next_index = 0
        self._stop = threading.Event()

    def stop(self) -> None:
        """Ask the source to end; a blocked read returns within ``stall_timeout_s``."""
        self._stop.set()

    def frames(self) -> Iterator[Frame]:
        self.health.connecting(self.camera_id)
        try:
            yield from self._frames()
        except GeneratorExit:
            self.health.stopped(self.camera_id)
            raise
        self.health.stopped(self.camera_id)

    def _frames(self) -> Iterator[Frame]:
        failures_in_row = 0
        while not self._stop.is_set():
            delivered = 0
            try:
                for frame in self._connection():
                    delivered += 1
                    yield frame
                    if self._stop.is_set():
                        return
                cause = "stream ended"
            except SourceUnavailableError as exc:
                cause = exc.cause
            except (av.error.FFmpegError, OSError) as exc:
                cause = f"stream dropped: {ffmpeg_cause(exc)}"
            except Exception as exc:  # the worker boundary: a long-running watch must not die
                log.exception("camera %s: unexpected failure reading the stream", self.camera_id)
                cause = f"unexpected failure: {type(exc).__name__}: {exc}"
            if delivered:
                failures_in_row = 0
                self.backoff.reset()
            failures_in_row += 1
            self.health.offline(self.camera_id, cause)
            limit = self.live.max_connect_attempts
            if limit is not None and failures_in_row >= limit:
                raise SourceError(
                    self.camera_id,
                    f"gave up after {failures_in_row} failed attempts: {cause}",
                )
            delay_s = self.backoff.next_delay_s()
            log.warning(
                "camera %s offline (%s); reconnecting in %.1f s", self.camera_id, cause, delay_s
            )
            self._stop.wait(delay_s)

    def _connection(self) -> Iterator[Frame]:
        container = open_input(
            self.camera_id,
            self.location,
            open_timeout_s=self.live.open_timeout_s,
            read_timeout_s=self.live.stall_timeout_s,
            rtsp_transport=self.live.rtsp_transport,
        )
        with container:
            reader = StreamReader(
                container,
                self.options,
                epoch=self.epoch,
                first_index=self._next_index,
                packet_sink=self.packet_sink,
                wall_clock=WallClockAnchor(),
            )
            try:
                for frame in reader.frames():
                    self.health.online(self.camera_id)
                    self.health.frame(self.camera_id)
                    yield frame
            finally:
                # The reader may have opened epochs of its own at clock jumps.
                self.epoch = reader.epoch + 1
                self._next_index = reader.next_index
                if self.on_connection_end is not None:
                    self.on_connection_end()
