"""Evidence failures that must never lose an incident or pass as intact."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest
from pydantic import ValidationError

from detector.evidence.bundle import TEMP_PREFIX
from detector.evidence.clip import ClipMethod, write_clip
from detector.evidence.manifest import verify_bundle, write_manifest
from detector.evidence.recorder import EvidenceRecorder
from detector.sources.config import EvidenceConfig
from detector.sources.factory import create_source
from detector.sources.frames import Frame
from tests.detector.evidence.mp4probe import probe_clip
from tests.factories import make_camera, make_clip, make_incident, moving_bar_frames, read_packets


def ingest_with_requests(
    source: Path, recorder: EvidenceRecorder, moments: dict[float, str], **camera: object
) -> None:
    for frame in create_source(make_camera(source, **camera), packet_sink=recorder).frames():
        for moment_s, incident_id in moments.items():
            if abs(frame.media_time_s - moment_s) < 0.01:
                recorder.request(make_incident(id=incident_id, raised_s=moment_s), frame)
    recorder.close()


def test_a_crashing_bundle_is_recorded_and_the_next_one_still_written(
    clips: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from detector.evidence.bundle import write_bundle as real_write

    def flaky(*args: object, **kwargs: object) -> object:
        if args[1].id == "bad":  # type: ignore[attr-defined]
            raise RuntimeError("encoder exploded")
        return real_write(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr("detector.evidence.recorder.write_bundle", flaky)
    recorder = EvidenceRecorder(tmp_path, EvidenceConfig())
    ingest_with_requests(clips["h264_40s"], recorder, {10.0: "bad", 20.0: "good"})
    assert [b.path.name for b in recorder.written] == ["good"]
    assert [(i.id, reason) for i, reason in recorder.failed] == [
        ("bad", "RuntimeError: encoder exploded")
    ]


def test_incident_boxes_must_be_finite() -> None:
    with pytest.raises(ValidationError):
        make_incident(box_xyxy=(10.0, 10.0, float("inf"), 50.0))


def test_clip_holds_the_configured_pre_and_post_roll(
    clips: dict[str, Path], tmp_path: Path
) -> None:
    recorder = EvidenceRecorder(tmp_path, EvidenceConfig())
    ingest_with_requests(clips["h264_40s"], recorder, {21.0: "inc"})
    (bundle,) = recorder.written
    clip = json.loads((bundle.path / "incident.json").read_text())["clip"]
    assert clip["moment_media_s"] == pytest.approx(21.0)
    assert clip["pre_roll_s"] >= 10.0
    assert clip["post_roll_s"] >= 10.0 - 0.05


def test_image_folder_bundle_is_transcoded_to_h264(tmp_path: Path) -> None:
    folder = tmp_path / "shots"
    folder.mkdir()
    for i, image in enumerate(moving_bar_frames(6.0, 2, 160, 120)):
        cv2.imwrite(str(folder / f"s{i:03d}.png"), image)
    recorder = EvidenceRecorder(
        tmp_path / "bundles", EvidenceConfig(buffer_s=10, pre_roll_s=2, post_roll_s=2)
    )
    ingest_with_requests(folder, recorder, {3.0: "png-inc"}, images_fps=2.0)
    (bundle,) = recorder.written
    assert bundle.clip.method is ClipMethod.TRANSCODE
    probe = probe_clip(bundle.path / "clip.mp4")
    assert (probe.codec, probe.pix_fmt) == ("h264", "yuv420p")


def test_h264_in_avi_is_transcoded_so_b_frames_stay_in_order(tmp_path: Path) -> None:
    clip = make_clip(tmp_path / "h264.avi", gop_frames=50, seconds=4.0)
    info = write_clip(read_packets(clip), tmp_path / "out.mp4")
    assert info.method is ClipMethod.TRANSCODE
    probe = probe_clip(tmp_path / "out.mp4")
    assert probe.times_s == sorted(probe.times_s)
    assert len(probe.times_s) == 100


def test_pending_bundle_is_cut_when_the_connection_ends(
    clips: dict[str, Path], tmp_path: Path
) -> None:
    recorder = EvidenceRecorder(tmp_path, EvidenceConfig(), background=False)
    packets = read_packets(clips["h264_mp4"])
    for packet in packets:
        recorder(packet)
    image = np.zeros((240, 320, 3), np.uint8)
    frame = Frame("cam-test", 200, 8.0, 0, None, False, image)
    recorder.request(make_incident(raised_s=8.0), frame)
    assert recorder.written == []  # waiting for post-roll that will never come
    recorder.connection_ended()
    assert len(recorder.written) == 1


def test_half_written_bundles_are_removed_at_start(tmp_path: Path) -> None:
    (tmp_path / f"{TEMP_PREFIX}inc-1-abcd").mkdir()
    (tmp_path / "inc-0").mkdir()
    EvidenceRecorder(tmp_path, EvidenceConfig())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["inc-0"]


@pytest.fixture
def bundle(clips: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("b")
    recorder = EvidenceRecorder(root, EvidenceConfig())
    ingest_with_requests(clips["h264_40s"], recorder, {20.0: "inc"})
    return recorder.written[0].path


def test_rewriting_the_manifest_after_removing_a_file_is_caught(bundle: Path) -> None:
    (bundle / "clip.mp4").unlink()
    write_manifest(bundle)
    assert verify_bundle(bundle).problems == ["manifest.json does not list clip.mp4"]


def test_expected_manifest_hash_catches_a_rewritten_bundle(bundle: Path, tmp_path: Path) -> None:
    recorded = json.loads((bundle / "manifest.json").read_text())["manifest_sha256"]
    assert verify_bundle(bundle, recorded).ok
    copy = Path(shutil.copytree(bundle, tmp_path / "copy"))
    cv2.imwrite(str(copy / "snapshot.jpg"), np.zeros((8, 8, 3), np.uint8))
    write_manifest(copy)
    assert verify_bundle(copy).ok  # self-consistent again…
    report = verify_bundle(copy, recorded)
    assert not report.ok  # …but not the manifest that was recorded
    assert report.problems[0].startswith("manifest.json is not the one recorded")


@pytest.mark.parametrize(
    "manifest",
    ['{"files": {"a": "x"}, "manifest_sha256": "0"}', "[1, 2]", '{"files": 3}', "not json"],
)
def test_malformed_manifest_is_a_failed_bundle_not_a_crash(tmp_path: Path, manifest: str) -> None:
    (tmp_path / "manifest.json").write_text(manifest)
    report = verify_bundle(tmp_path)
    assert not report.ok
    assert report.problems[0].startswith("manifest.json is unreadable")
