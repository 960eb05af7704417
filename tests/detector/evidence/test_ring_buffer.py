from __future__ import annotations

from pathlib import Path

import pytest

from detector.errors import EvidenceError
from detector.evidence.ring_buffer import PacketRingBuffer
from detector.sources.frames import StreamTemplate
from tests.factories import read_packets, synthetic_packets


@pytest.fixture(scope="module")
def template(clips: dict[str, Path]) -> StreamTemplate:
    return read_packets(clips["h264_mp4"])[0].template


@pytest.mark.parametrize(
    ("capacity_s", "seconds", "gop_s", "oldest_s"),
    [
        (30.0, 10.0, 2.0, 0.0),  # not full yet: keeps everything
        (30.0, 60.0, 2.0, 28.0),  # 59.9 - 30 = 29.9 -> key frame at 28 still needed
        (10.0, 60.0, 2.0, 48.0),
        (10.0, 60.0, 4.0, 48.0),
        (5.0, 60.0, 1.0, 54.0),
    ],
)
def test_keeps_at_least_capacity_and_starts_at_a_key_frame(
    template: StreamTemplate, capacity_s: float, seconds: float, gop_s: float, oldest_s: float
) -> None:
    buffer = PacketRingBuffer(capacity_s)
    for packet in synthetic_packets(template, seconds=seconds, gop_frames=round(gop_s * 10)):
        buffer.push(packet)
    oldest = buffer.window(0, -1.0, 1e9)[0]
    assert oldest.is_keyframe
    assert oldest.media_time_s == pytest.approx(oldest_s)
    assert buffer.span_s >= min(capacity_s, seconds - 0.1) - 1e-9


def test_memory_is_bounded_when_key_frames_stop(template: StreamTemplate) -> None:
    buffer = PacketRingBuffer(10.0)
    for packet in synthetic_packets(template, seconds=120.0, gop_frames=100_000):
        buffer.push(packet)
    assert buffer.span_s <= 30.0 + 0.1


def test_byte_cap(template: StreamTemplate) -> None:
    buffer = PacketRingBuffer(30.0, max_bytes=10_000)
    for packet in synthetic_packets(template, seconds=30.0):
        buffer.push(packet)
    assert buffer.size_bytes <= 10_000


@pytest.mark.parametrize(
    ("start_s", "end_s", "first_s", "last_s"),
    [
        (11.3, 21.3, 10.0, 21.3),  # starts at the key frame before the pre-roll
        (12.0, 14.0, 12.0, 14.0),  # exactly on a key frame
        (-5.0, 3.0, 0.0, 3.0),  # pre-roll before the recording began
        (25.0, 99.0, 24.0, 29.9),  # post-roll beyond what arrived (source ended)
    ],
)
def test_window_boundaries(
    template: StreamTemplate, start_s: float, end_s: float, first_s: float, last_s: float
) -> None:
    buffer = PacketRingBuffer(60.0)
    for packet in synthetic_packets(template, seconds=30.0):
        buffer.push(packet)
    window = buffer.window(0, start_s, end_s)
    assert window[0].is_keyframe
    assert window[0].media_time_s == pytest.approx(first_s)
    assert window[-1].media_time_s == pytest.approx(last_s)


def test_window_is_limited_to_one_connection(template: StreamTemplate) -> None:
    buffer = PacketRingBuffer(60.0)
    for packet in synthetic_packets(template, seconds=10.0, epoch=0):
        buffer.push(packet)
    for packet in synthetic_packets(template, seconds=10.0, epoch=1):
        buffer.push(packet)  # media clock restarts at 0
    window = buffer.window(1, 2.0, 6.0)
    assert {p.epoch for p in window} == {1}
    assert window[0].media_time_s == pytest.approx(2.0)
    assert buffer.span_s == pytest.approx(19.9)


def test_eviction_across_reconnects_uses_arrival_order(template: StreamTemplate) -> None:
    buffer = PacketRingBuffer(10.0)
    for epoch in range(4):
        for packet in synthetic_packets(template, seconds=8.0, epoch=epoch):
            buffer.push(packet)
    assert buffer.span_s <= 12.0
    assert {p.epoch for p in buffer.window(3, 0.0, 8.0)} == {3}
    with pytest.raises(EvidenceError, match="no key frame buffered"):
        buffer.window(0, 0.0, 8.0)
