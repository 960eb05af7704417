"""What a configured ``source`` string names: a file, an image folder or a stream URL."""

from __future__ import annotations

import glob
import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from urllib.parse import unquote_plus, urlsplit

from detector.errors import SourceError

STREAM_SCHEMES = ("rtsp", "rtsps", "rtmp", "rtmps", "http", "https")
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp")
CREDENTIAL_FIELDS = frozenset({"password", "passwd", "pass", "pwd", "token", "key", "auth"})
"""Query (or path) fields whose values ``redact`` hides, compared case-insensitively: the
names IP cameras and stream servers commonly take credentials under."""
MASK = "***"
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]+://")


class SourceKind(StrEnum):
    FILE = "file"
    IMAGE_FOLDER = "image_folder"
    STREAM = "stream"


@dataclass(frozen=True)
class SourceLocation:
    """A validated source: its kind and the path or URL to open."""

    kind: SourceKind
    target: str
    """File path, image glob pattern, or stream URL."""
    image_count: int = 0

    @property
    def display(self) -> str:
        """``target`` fit for messages and logs: a stream URL's password is masked."""
        return redact(self.target) if self.kind is SourceKind.STREAM else self.target


def redact(url: str) -> str:
    """``url`` with its credentials replaced by ``***``, so they never reach logs, messages or
    the audit trail: the password of ``user:password@host`` and the values of fields such as
    ``password=`` or ``token=`` in its query (or its path: some cameras take them there).

    Works on text, not on ``urlsplit``: a URL it cannot parse is still masked. Anything that
    is not ``scheme://…`` (a file or an image folder) comes back as it is.
    """
    scheme = _SCHEME.match(url)
    if scheme is None:
        return url
    start = scheme.end()
    end = _authority_end(url, start)
    userinfo, at, host = url[start:end].rpartition("@")
    if at and ":" in userinfo:
        userinfo = f"{userinfo.split(':', 1)[0]}:{MASK}"
    path, question, query = url[end:].partition("?")
    return (
        url[:start]
        + userinfo
        + at
        + host
        + _mask_fields(path, "/&;")
        + question
        + _mask_fields(query, "&;")
    )


def _authority_end(url: str, start: int) -> int:
    end = _first_of("/?#", url, start)  # where urlsplit and FFmpeg end user:password@host
    _, colon, port = url[start:end].rpartition(":")
    if "@" not in url[start:end] and colon and not port.isdigit() and "]" not in port:
        # "user:pa/ss@host": a raw / ? or # in the password ended it early. Such a URL cannot
        # be opened, but its password must stay hidden all the same.
        last_at = url.rfind("@", end)
        if last_at != -1:
            end = _first_of("/?#", url, last_at + 1)
    return end


def _first_of(characters: str, text: str, start: int) -> int:
    found = [i for i in (text.find(c, start) for c in characters) if i != -1]
    return min(found, default=len(text))


def _mask_fields(text: str, separators: str) -> str:
    pieces = re.split(f"([{re.escape(separators)}])", text)
    return "".join(_mask_field(piece) for piece in pieces)


def _mask_field(piece: str) -> str:
    name, equals, value = piece.partition("=")
    if equals and value and unquote_plus(name).strip().lower() in CREDENTIAL_FIELDS:
        return f"{name}={MASK}"
    return piece


def locate(camera_id: str, source: str) -> SourceLocation:
    """Classify ``source`` and check what can be checked before opening it.

    Raises ``SourceError`` with one line naming the camera and the cause.
    """
    try:
        parts = urlsplit(source)
        hostname = parts.hostname
    except ValueError as exc:
        raise SourceError(camera_id, f"malformed stream URL ({exc}): {redact(source)}") from None
    scheme = parts.scheme.lower()
    if len(scheme) > 1:  # one letter is a Windows drive, not a scheme
        if scheme not in STREAM_SCHEMES:
            raise SourceError(
                camera_id,
                f"unsupported URL scheme '{scheme}' in {redact(source)} "
                f"(use {', '.join(STREAM_SCHEMES)}, a video file or an image folder)",
            )
        if not hostname:
            raise SourceError(camera_id, f"stream URL has no host: {redact(source)}")
        return SourceLocation(SourceKind.STREAM, source)
    path = Path(source).expanduser()
    if path.is_dir():
        return _image_folder(camera_id, path)
    if not path.exists():
        raise SourceError(camera_id, f"video file not found: {path}")
    if not path.is_file():
        raise SourceError(camera_id, f"not a regular file: {path}")
    if path.stat().st_size == 0:
        raise SourceError(camera_id, f"video file is empty (0 bytes): {path}")
    return SourceLocation(SourceKind.FILE, str(path))


def _image_folder(camera_id: str, folder: Path) -> SourceLocation:
    by_suffix: dict[str, int] = {}
    for entry in folder.iterdir():
        suffix = entry.suffix.lower()
        if entry.is_file() and suffix in IMAGE_SUFFIXES:
            by_suffix[entry.suffix] = by_suffix.get(entry.suffix, 0) + 1
    if not by_suffix:
        raise SourceError(
            camera_id, f"image folder has no {'/'.join(IMAGE_SUFFIXES)} files: {folder}"
        )
    if len(by_suffix) > 1:
        kinds = ", ".join(f"{count} *{suffix}" for suffix, count in sorted(by_suffix.items()))
        raise SourceError(
            camera_id, f"image folder mixes image types ({kinds}); keep one type: {folder}"
        )
    ((suffix, count),) = by_suffix.items()
    # FFmpeg's glob sorts names, so frames play in file-name order; brackets, stars and
    # question marks in the folder's own name must not act as wildcards.
    pattern = f"{glob.escape(str(folder))}/*{suffix}"
    return SourceLocation(SourceKind.IMAGE_FOLDER, pattern, image_count=count)
