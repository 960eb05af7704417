"""Per-camera ring buffer of compressed packets: pre-roll for evidence without decoding."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from detector.errors import EvidenceError
from detector.sources.frames import EncodedPacket

# Whatever the keyframe spacing, never hold more than this many times the capacity: a stream
# that stops sending key frames must not grow the buffer without bound.
HARD_SPAN_FACTOR = 3.0
DEFAULT_MAX_BYTES = 256 * 1024 * 1024


@dataclass(frozen=True)
class _Entry:
    seq: int
    buffer_time_s: float
    """Monotonic across reconnects: media time plus the offset of the packet's epoch."""
    packet: EncodedPacket


class PacketRingBuffer:
    """Keeps at least ``capacity_s`` of packets, evicting whole GOPs from the old end.

    Eviction stops at a key frame, so the oldest buffered packet is a key frame and a clip can
    start on a clean picture. Use the buffer itself as a source's ``packet_sink``.
    """

    def __init__(self, capacity_s: float, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        if capacity_s <= 0:
            raise ValueError(f"capacity_s must be positive, got {capacity_s}")
        self.capacity_s = capacity_s
        self.max_bytes = max_bytes
        self._entries: deque[_Entry] = deque()
        self._keyframe_seqs: deque[int] = deque()
        self._seq = 0
        self._bytes = 0
        self._epoch: int | None = None
        self._epoch_offset_s = 0.0
        self._newest_s = 0.0
        self.newest_media_time_s: dict[int, float] = {}
        """Latest presentation time seen per epoch, in media seconds."""

    def __call__(self, packet: EncodedPacket) -> None:
        self.push(packet)

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def size_bytes(self) -> int:
        return self._bytes

    @property
    def span_s(self) -> float:
        """Seconds between the oldest and newest buffered packet."""
        if not self._entries:
            return 0.0
        return self._newest_s - self._entries[0].buffer_time_s

    def push(self, packet: EncodedPacket) -> None:
        if packet.epoch != self._epoch:
            # A new connection restarts the media clock; continue the buffer clock after it.
            gap_s = float(packet.duration * packet.time_base) if self._entries else 0.0
            self._epoch_offset_s = self._newest_s + gap_s - packet.media_time_s
            self._epoch = packet.epoch
        buffer_time_s = packet.media_time_s + self._epoch_offset_s
        self._entries.append(_Entry(self._seq, buffer_time_s, packet))
        if packet.is_keyframe:
            self._keyframe_seqs.append(self._seq)
        self._seq += 1
        self._bytes += packet.size
        self._newest_s = max(self._newest_s, buffer_time_s)
        newest = self.newest_media_time_s.get(packet.epoch, packet.media_time_s)
        self.newest_media_time_s[packet.epoch] = max(newest, packet.media_time_s)
        self._evict()

    def _evict(self) -> None:
        horizon_s = self._newest_s - self.capacity_s
        while len(self._keyframe_seqs) >= 2 and self._time_of(self._keyframe_seqs[1]) <= horizon_s:
            self._drop_before(self._keyframe_seqs[1])
        hard_horizon_s = self._newest_s - self.capacity_s * HARD_SPAN_FACTOR
        while self._entries and (
            self._entries[0].buffer_time_s < hard_horizon_s or self._bytes > self.max_bytes
        ):
            self._pop_oldest()

    def _time_of(self, seq: int) -> float:
        return self._entries[seq - self._entries[0].seq].buffer_time_s

    def _drop_before(self, seq: int) -> None:
        while self._entries and self._entries[0].seq < seq:
            self._pop_oldest()

    def _pop_oldest(self) -> None:
        entry = self._entries.popleft()
        self._bytes -= entry.packet.size
        if self._keyframe_seqs and self._keyframe_seqs[0] <= entry.seq:
            self._keyframe_seqs.popleft()

    def window(
        self,
        epoch: int,
        start_s: float,
        end_s: float,
        start_ok: Callable[[EncodedPacket], bool] | None = None,
    ) -> list[EncodedPacket]:
        """Packets in decode order covering media time ``start_s``..``end_s`` of ``epoch``.

        The first packet is the last key frame at or before ``start_s`` (or the first buffered
        one, if the pre-roll reaches further back than the buffer) that ``start_ok`` accepts:
        some containers flag packets as key frames that do not decode on their own. Pictures
        that come before it in presentation order are dropped, as they would decode grey.
        """
        packets = [entry.packet for entry in self._entries if entry.packet.epoch == epoch]
        keyframes = [i for i, packet in enumerate(packets) if packet.is_keyframe]
        if not keyframes:
            raise EvidenceError(f"no key frame buffered for media time {start_s:.1f} s")
        before = [i for i in keyframes if packets[i].media_time_s <= start_s + 1e-6]
        after = keyframes[len(before) :]
        # Nearest candidate first; ``start_ok`` may decode, so it runs only until one passes.
        candidates = [*reversed(before), *after]
        accepted = (i for i in candidates if start_ok is None or start_ok(packets[i]))
        first = next(accepted, candidates[0])
        ends = [i for i, packet in enumerate(packets) if packet.media_time_s <= end_s + 1e-6]
        last = max(ends[-1] if ends else first, first)
        start_time_s = packets[first].media_time_s
        return [
            packet
            for packet in packets[first : last + 1]
            if packet.media_time_s >= start_time_s - 1e-6
        ]
