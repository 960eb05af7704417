"""Opening containers through PyAV, with FFmpeg failures turned into one-line causes."""

from __future__ import annotations

import av
import av.error
from av.container import InputContainer

from detector.errors import SourceError, SourceUnavailableError
from detector.sources.locator import SourceKind, SourceLocation

# Demuxers that FFmpeg picks for things that are not camera video: a text file would
# otherwise "play" as ANSI art, a lone JPEG as a one-frame clip.
NOT_VIDEO_FORMATS = frozenset({"tty", "image2", "lavfi", "bin", "ico"})
NOT_VIDEO_CODECS = frozenset({"ansi", "bintext", "xbin", "idf"})


def ffmpeg_cause(exc: BaseException) -> str:
    """The human part of an FFmpeg error, without errno noise or repeated file names."""
    strerror = getattr(exc, "strerror", None)
    if isinstance(exc, av.error.ExitError):
        return "timed out waiting for data"
    return str(strerror) if strerror else str(exc) or type(exc).__name__


def open_input(
    camera_id: str,
    location: SourceLocation,
    *,
    images_fps: float = 1.0,
    open_timeout_s: float = 10.0,
    read_timeout_s: float = 10.0,
    rtsp_transport: str = "tcp",
) -> InputContainer:
    """Open ``location`` and check that it holds a video stream a camera could produce.

    Raises ``SourceUnavailableError`` for a stream that cannot be reached (worth retrying) and
    ``SourceError`` for a file or folder that is not usable video.
    """
    try:
        container = _open(location, images_fps, open_timeout_s, read_timeout_s, rtsp_transport)
    except (av.error.FFmpegError, OSError) as exc:
        cause = ffmpeg_cause(exc)
        if location.kind is SourceKind.STREAM:
            raise SourceUnavailableError(
                camera_id, f"stream did not open: {cause}: {location.display}"
            ) from None
        what = "image folder" if location.kind is SourceKind.IMAGE_FOLDER else "file"
        raise SourceError(
            camera_id, f"not a readable video {what} ({cause}): {location.display}"
        ) from None
    try:
        _check_video(camera_id, location, container)
    except SourceError:
        container.close()
        raise
    return container


def _open(
    location: SourceLocation,
    images_fps: float,
    open_timeout_s: float,
    read_timeout_s: float,
    rtsp_transport: str,
) -> InputContainer:
    timeout = (open_timeout_s, read_timeout_s)
    if location.kind is SourceKind.IMAGE_FOLDER:
        glob_options = {"pattern_type": "glob", "framerate": str(images_fps)}
        return av.open(location.target, "r", format="image2", options=glob_options, timeout=timeout)
    if location.kind is SourceKind.STREAM:
        options: dict[str, str] = {}
        if location.target.lower().startswith("rtsp"):
            options["rtsp_transport"] = rtsp_transport
        return av.open(location.target, "r", options=options, timeout=timeout)
    return av.open(location.target, "r", timeout=timeout)


def _check_video(camera_id: str, location: SourceLocation, container: InputContainer) -> None:
    if not container.streams.video:
        raise SourceError(camera_id, f"no video stream in {location.display}")
    if location.kind is SourceKind.IMAGE_FOLDER:
        return
    format_name = container.format.name
    codec_name = container.streams.video[0].codec_context.name
    if (
        format_name in NOT_VIDEO_FORMATS
        or format_name.endswith("_pipe")
        or codec_name in NOT_VIDEO_CODECS
    ):
        raise SourceError(
            camera_id,
            f"not a video file (FFmpeg reads it as {format_name}/{codec_name}; a still image "
            f"belongs in an image folder source): {location.display}",
        )
