"""Finite sources: a video file or a folder of images, read once from start to end."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from datetime import datetime

import av.error

from detector.errors import SourceError
from detector.sources.demux import ReadOptions, RecordingClock, StreamReader
from detector.sources.frames import Frame, PacketSink
from detector.sources.health import HealthBoard
from detector.sources.locator import SourceKind, SourceLocation
from detector.sources.opening import ffmpeg_cause, open_input

log = logging.getLogger(__name__)

# A file whose packets fall this far short of the frame count its header declares was cut off.
TRUNCATION_TOLERANCE = 0.98


class FileSource:
    """Frames of a file or image folder in media time; errors are final, not retried.

    With ``started_at`` (when the first frame was taken) frames also carry UTC times.
    """

    def __init__(
        self,
        location: SourceLocation,
        options: ReadOptions,
        *,
        images_fps: float = 1.0,
        packet_sink: PacketSink | None = None,
        health: HealthBoard | None = None,
        started_at: datetime | None = None,
    ) -> None:
        if location.kind is SourceKind.STREAM:
            raise ValueError("FileSource reads files and image folders, not streams")
        self.location = location
        self.options = options
        self.camera_id = options.camera_id
        self.images_fps = images_fps
        self.packet_sink = packet_sink
        self.health = health or HealthBoard()
        self.started_at = started_at
        self.reader: StreamReader | None = None
        self._stop = threading.Event()

    def stop(self) -> None:
        """Stop after the frame being read."""
        self._stop.set()

    def frames(self) -> Iterator[Frame]:
        self.health.connecting(self.camera_id)
        try:
            container = open_input(self.camera_id, self.location, images_fps=self.images_fps)
        except SourceError as exc:
            self.health.offline(self.camera_id, str(exc))
            raise
        self.health.online(self.camera_id)
        with container:
            clock = None if self.started_at is None else RecordingClock(self.started_at)
            reader = StreamReader(
                container, self.options, packet_sink=self.packet_sink, wall_clock=clock
            )
            self.reader = reader
            try:
                for frame in reader.frames():
                    self.health.frame(self.camera_id)
                    yield frame
                    if self._stop.is_set():
                        self.health.stopped(self.camera_id)
                        return
            except (av.error.FFmpegError, OSError) as exc:
                error = self._corrupt(reader, ffmpeg_cause(exc))
                self.health.offline(self.camera_id, str(error))
                raise error from None
            self._check_complete(reader)
        self.health.finished(self.camera_id)

    def _corrupt(self, reader: StreamReader, cause: str) -> SourceError:
        at = reader.last_media_time_s or 0.0
        return SourceError(
            self.camera_id,
            f"video is corrupt after {reader.packets} packets ({at:.1f} s): {cause}: "
            f"{self.location.target}",
        )

    def _check_complete(self, reader: StreamReader) -> None:
        declared = reader.stream.frames
        if reader.packets == 0 or (reader.frames_decoded == 0 and reader.decode_errors):
            error = SourceError(
                self.camera_id, f"no decodable video frames in {self.location.target}"
            )
        elif declared and reader.packets < declared * TRUNCATION_TOLERANCE:
            at = reader.last_media_time_s or 0.0
            error = SourceError(
                self.camera_id,
                f"video file is truncated: its header declares {declared} frames but the "
                f"data ends after {reader.packets} ({at:.1f} s): {self.location.target}",
            )
        else:
            if reader.decode_errors:
                log.warning(
                    "camera %s: %d packets could not be decoded and were skipped",
                    self.camera_id,
                    reader.decode_errors,
                )
            return
        self.health.offline(self.camera_id, str(error))
        raise error
