"""Reading back written clips the way a browser would care about."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import av


def top_level_boxes(path: Path) -> list[str]:
    """MP4 box types at the top level, in file order."""
    boxes = []
    data = path.read_bytes()
    offset = 0
    while offset + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[offset : offset + 8])
        if size == 1:
            size = struct.unpack(">Q", data[offset + 8 : offset + 16])[0]
        boxes.append(kind.decode("latin-1"))
        if size < 8:
            break
        offset += size
    return boxes


@dataclass(frozen=True)
class ClipProbe:
    format_name: str
    codec: str
    pix_fmt: str
    times_s: list[float]
    first_is_key: bool
    first_frame_std: float
    boxes: list[str]

    @property
    def duration_s(self) -> float:
        return self.times_s[-1] - self.times_s[0]

    @property
    def index_at_front(self) -> bool:
        return "moov" in self.boxes and self.boxes.index("moov") < self.boxes.index("mdat")


def probe_clip(path: Path) -> ClipProbe:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = list(container.decode(stream))
        codec, pix_fmt = stream.codec_context.name, stream.codec_context.pix_fmt
        format_name = container.format.name
    first = frames[0]
    return ClipProbe(
        format_name=format_name,
        codec=codec,
        pix_fmt=pix_fmt or "",
        times_s=[float(f.time or 0.0) for f in frames],
        first_is_key=bool(first.key_frame),
        first_frame_std=float(first.to_ndarray(format="gray").std()),
        boxes=top_level_boxes(path),
    )
