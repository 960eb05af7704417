from __future__ import annotations

import json
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest

from detector.errors import EvidenceError
from detector.evidence import bundle as bundle_module
from detector.evidence.bundle import Provenance, write_bundle
from detector.evidence.manifest import verify_bundle
from detector.evidence.recorder import EvidenceRecorder
from detector.sources.config import EvidenceConfig
from detector.sources.factory import create_source
from detector.sources.frames import EncodedPacket
from tests.factories import make_camera, make_incident, read_packets

BUNDLE_FILES = {"clip.mp4", "frame.jpg", "snapshot.jpg", "incident.json", "manifest.json"}


def record(
    source: Path, root: Path, moment_s: float, post_roll_s: float = 10.0
) -> EvidenceRecorder:
    """Ingest ``source`` at 1 fps and request a bundle at the frame nearest ``moment_s``."""
    config = EvidenceConfig(post_roll_s=post_roll_s)
    recorder = EvidenceRecorder(root, config, Provenance(model={"name": "test"}))
    camera = make_camera(source)
    for frame in create_source(camera, packet_sink=recorder).frames():
        if abs(frame.media_time_s - moment_s) < 0.5:
            recorder.request(make_incident(raised_s=frame.media_time_s), frame)
    recorder.flush()
    return recorder


@pytest.fixture(scope="module")
def bundle_dir(clips: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    recorder = record(clips["h264_40s"], tmp_path_factory.mktemp("bundles"), 20.0)
    assert len(recorder.written) == 1
    return recorder.written[0].path


@pytest.fixture
def bundle_copy(bundle_dir: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(bundle_dir, tmp_path / "copy"))


def test_bundle_holds_clip_images_incident_and_manifest(bundle_dir: Path) -> None:
    assert {p.name for p in bundle_dir.iterdir()} == BUNDLE_FILES
    document = json.loads((bundle_dir / "incident.json").read_text())
    assert document["incident"]["camera"] == "cam-test"
    assert document["incident"]["box_xyxy"] == [40.0, 60.0, 120.0, 150.0]
    assert document["incident"]["type"] == "clutter"
    assert document["clip"]["method"] == "remux"
    assert document["clip"]["start_media_s"] == pytest.approx(10.0)
    assert document["clip"]["end_media_s"] >= 30.0
    assert set(document["software"]) == {"streetorder", "pyav", "ffmpeg"}
    assert document["model"] == {"name": "test"}
    assert verify_bundle(bundle_dir).ok


def test_snapshot_has_the_box_and_frame_is_untouched(bundle_dir: Path) -> None:
    frame = cv2.imread(str(bundle_dir / "frame.jpg"))
    snapshot = cv2.imread(str(bundle_dir / "snapshot.jpg"))
    assert frame is not None and snapshot is not None
    assert frame.shape == snapshot.shape == (240, 320, 3)
    edge = snapshot[60:150, 40].astype(int)  # left edge of the box
    assert np.mean(edge[:, 2] - edge[:, 1]) > 100  # red
    assert np.abs(frame[60:150, 40].astype(int) - edge).mean() > 50
    assert np.abs(frame[200:, 200:].astype(int) - snapshot[200:, 200:]).mean() < 3


@pytest.mark.parametrize(
    ("tamper", "field", "name"),
    [
        (lambda d: _flip_byte(d / "clip.mp4"), "changed", "clip.mp4"),
        (lambda d: (d / "snapshot.jpg").unlink(), "missing", "snapshot.jpg"),
        (lambda d: (d / "extra.txt").write_text("x"), "added", "extra.txt"),
    ],
)
def test_tampering_is_detected(bundle_copy: Path, tamper: object, field: str, name: str) -> None:
    tamper(bundle_copy)  # type: ignore[operator]
    report = verify_bundle(bundle_copy)
    assert not report.ok
    assert getattr(report, field) == [name]


def test_editing_the_manifest_is_detected(bundle_copy: Path) -> None:
    manifest = json.loads((bundle_copy / "manifest.json").read_text())
    manifest["files"]["clip.mp4"]["bytes"] += 1
    (bundle_copy / "manifest.json").write_text(json.dumps(manifest))
    assert verify_bundle(bundle_copy).problems == [
        "manifest.json was altered: its own hash does not match"
    ]


def test_a_missing_manifest_is_a_failed_bundle(bundle_copy: Path) -> None:
    (bundle_copy / "manifest.json").unlink()
    assert verify_bundle(bundle_copy).problems == ["manifest.json is missing"]


def _flip_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def test_a_crash_mid_write_leaves_no_bundle(
    clips: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    packets = read_packets(clips["h264_mp4"])
    image = np.zeros((240, 320, 3), np.uint8)

    def crash(folder: Path) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(bundle_module, "write_manifest", crash)
    with pytest.raises(OSError, match="disk full"):
        write_bundle(tmp_path, make_incident(), image, packets, Provenance())
    assert list(tmp_path.iterdir()) == []


def test_an_existing_bundle_is_never_overwritten(clips: dict[str, Path], tmp_path: Path) -> None:
    packets: list[EncodedPacket] = read_packets(clips["h264_mp4"])
    image = np.zeros((240, 320, 3), np.uint8)
    first = write_bundle(tmp_path, make_incident(), image, packets, Provenance())
    with pytest.raises(EvidenceError, match="already exists"):
        write_bundle(tmp_path, make_incident(), image, packets, Provenance())
    assert verify_bundle(first.path).ok


def test_bundle_waits_for_the_post_roll(clips: dict[str, Path], tmp_path: Path) -> None:
    config = EvidenceConfig(pre_roll_s=2.0, post_roll_s=3.0)
    recorder = EvidenceRecorder(tmp_path, config, background=False)
    written_at: list[float] = []
    for frame in create_source(make_camera(clips["h264_40s"]), packet_sink=recorder).frames():
        if frame.media_time_s == pytest.approx(10.0):
            recorder.request(make_incident(raised_s=10.0), frame)
        if recorder.written and not written_at:
            written_at.append(frame.media_time_s)
    assert written_at == [pytest.approx(14.0)]  # the first analysed frame after 13.5 s
    clip = recorder.written[0].clip
    assert clip.start_media_s == pytest.approx(8.0)
    assert clip.end_media_s >= 13.0


def test_pending_bundles_are_written_when_the_source_ends(
    clips: dict[str, Path], tmp_path: Path
) -> None:
    recorder = record(clips["h264_mp4"], tmp_path, 9.0)  # post-roll runs past the end
    assert len(recorder.written) == 1
    assert recorder.written[0].clip.end_media_s == pytest.approx(9.96, abs=0.05)
