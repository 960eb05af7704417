"""The command line as a user runs it: exit codes, one-line errors, no tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.factories import REPO_ROOT


def streetorder(*args: str, timeout_s: float = 120.0) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "detector.cli.main", *args],
        capture_output=True,
        text=True,
        timeout=timeout_s,
        cwd=REPO_ROOT,
        check=False,
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    for fragment in fragments:
        assert fragment in lines[0]


@pytest.fixture(scope="module")
def demo_run(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[subprocess.CompletedProcess[str], Path]:
    from api.server import free_port

    out = tmp_path_factory.mktemp("demo")
    return streetorder("demo", "--out", str(out), "--no-serve", "--port", str(free_port())), out


def test_demo_renders_ingests_and_writes_a_verified_bundle(
    demo_run: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    result, out = demo_run
    assert result.returncode == 0, result.stderr
    assert "intact" in result.stdout
    (bundle,) = (out / "run" / "bundles").iterdir()
    document = json.loads((bundle / "incident.json").read_text())
    assert document["incident"]["type"] == "clutter"
    # The box goes down at 10 s and the demo's dwell is 10 s.
    assert 20.0 <= document["clip"]["moment_media_s"] <= 25.0
    (line,) = (out / "run" / "incidents.jsonl").read_text().splitlines()
    assert json.loads(line)["bundle"] == str(bundle)
    assert str(bundle) in result.stdout
    verified = streetorder("verify", str(bundle))
    assert verified.returncode == 0
    assert "intact" in verified.stdout


def test_demo_sends_its_incident_and_evidence_through_the_outbox_to_a_ticket(
    demo_run: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    import sqlite3

    result, out = demo_run
    (bundle,) = (out / "run" / "bundles").iterdir()
    manifest = json.loads((bundle / "manifest.json").read_text())["manifest_sha256"]
    assert "/api/v1/tickets/T-1" in result.stdout and "/tickets/T-1" in result.stdout
    assert "/review" in result.stdout and "log in as       : demo / " in result.stdout
    with sqlite3.connect(out / "service" / "streetorder.db") as db:
        rows = db.execute("SELECT incident_id, status, manifest_sha256 FROM ticket").fetchall()
    assert rows == [(bundle.name, "pending_review", manifest)]


def test_verify_fails_on_a_tampered_bundle(
    demo_run: tuple[subprocess.CompletedProcess[str], Path], tmp_path: Path
) -> None:
    import shutil

    _, out = demo_run
    (bundle,) = (out / "run" / "bundles").iterdir()
    copy = Path(shutil.copytree(bundle, tmp_path / "copy"))
    clip = copy / "clip.mp4"
    data = bytearray(clip.read_bytes())
    data[1000] ^= 0x01
    clip.write_bytes(bytes(data))
    (copy / "frame.jpg").unlink()
    result = streetorder("verify", str(copy))
    assert result.returncode == 1
    assert "changed" in result.stdout and "clip.mp4" in result.stdout
    assert "missing" in result.stdout and "frame.jpg" in result.stdout


def test_ingest_reports_frames(tmp_path: Path) -> None:
    from tests.factories import make_clip

    clip = make_clip(tmp_path / "c.mp4", seconds=4.0)
    result = streetorder("ingest", str(clip), "--sampling", "keyframes")
    assert result.returncode == 0, result.stderr
    assert "finished" in result.stdout
    assert "frames analysed" in result.stdout


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["ingest", "missing.mp4"], ["camera cam-01", "video file not found: missing.mp4"]),
        (["ingest", "ftp://x/y"], ["unsupported URL scheme 'ftp'"]),
        (
            ["ingest", "http://127.0.0.1:9/x.ts", "--max-attempts", "1"],
            ["gave up after 1 failed attempts", "127.0.0.1:9"],
        ),
        (["ingest", "--camera", "nope.yaml"], ["nope.yaml: file not found"]),
    ],
)
def test_bad_input_gives_one_line_and_exit_1(args: list[str], fragments: list[str]) -> None:
    assert_one_line_error(streetorder(*args), *fragments)


def test_camera_yaml_errors_name_file_field_and_value(tmp_path: Path) -> None:
    camera = tmp_path / "camera.yaml"
    camera.write_text("id: cam-x\nsource: x.mp4\nsampling: {mode: sometimes}\ncolour: red\n")
    result = streetorder("ingest", "--camera", str(camera))
    assert_one_line_error(
        result,
        str(camera),
        "sampling.mode",
        "'sometimes'",
        "colour: Extra inputs are not permitted",
    )


def test_verify_of_something_that_is_not_a_bundle(tmp_path: Path) -> None:
    result = streetorder("verify", str(tmp_path / "nothing"))
    assert result.returncode == 1
    assert "not a bundle folder" in result.stdout


def test_a_timed_watch_stops_even_while_the_camera_is_down() -> None:
    result = streetorder(
        "ingest", "http://127.0.0.1:9/x.ts", "--follow", "--seconds", "2", timeout_s=30
    )
    assert result.returncode == 0, result.stderr
    assert "stopped" in result.stdout
    assert "Connection refused" in result.stdout


def test_an_unwritable_output_folder_is_one_line() -> None:
    assert_one_line_error(streetorder("demo", "--out", "/proc/streetorder-demo"), "/proc")


SCENE_YAML = """
camera: {id: street-01, name: "Test street", key_point: market}
zones:
  - {name: facade, type: wall, polygon: [[0, 0], [1, 0], [1, 0.42], [0, 0.42]]}
  - {name: pavement, type: pavement, polygon: [[0, 0.42], [1, 0.42], [1, 0.68], [0, 0.68]]}
  - {name: road, type: roadway, polygon: [[0, 0.68], [1, 0.68], [1, 1], [0, 1]]}
rules:
  clutter: {dwell_s: 10}
"""


@pytest.fixture(scope="module")
def street_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from detector.demo.street import StreetScript
    from tests.factories import render_clip

    folder = tmp_path_factory.mktemp("street")
    return render_clip(folder / "street.mp4", StreetScript(duration_s=30.0, fps=10, box_put_s=6.0))


@pytest.mark.parametrize("with_model", [False, True])
def test_analyze_writes_incidents_and_bundles(
    street_video: Path, tmp_path: Path, with_model: bool
) -> None:
    from tests.factories import SHARED

    scene = tmp_path / "scene.yaml"
    scene.write_text(SCENE_YAML, encoding="utf-8")
    args = ["analyze", str(street_video), "--scene", str(scene), "--out", str(tmp_path / "out")]
    if with_model:
        model = SHARED / "models" / "yolov5n_coco.pt"
        if not model.is_file():
            pytest.skip(f"model not present: {model} (../shared is absent)")
        args += ["--objects", str(model)]
    result = streetorder(*args)
    assert result.returncode == 0, result.stderr
    lines = (tmp_path / "out" / "incidents.jsonl").read_text().splitlines()
    incidents = [json.loads(line) for line in lines]
    assert [i["type"] for i in incidents] == ["clutter"]
    assert Path(incidents[0]["bundle"]).is_dir()
    assert "1 incident(s)" in result.stdout


def test_analyze_with_a_broken_scene_is_one_line(street_video: Path, tmp_path: Path) -> None:
    scene = tmp_path / "scene.yaml"
    scene.write_text(SCENE_YAML.replace("key_point: market", "key_point: moon"), encoding="utf-8")
    result = streetorder(
        "analyze", str(street_video), "--scene", str(scene), "--out", str(tmp_path)
    )
    assert_one_line_error(result, str(scene), "camera.key_point", "'moon'")


def test_watch_runs_each_camera_and_one_broken_camera_does_not_stop_the_others(
    street_video: Path, tmp_path: Path
) -> None:
    for name in ("gate", "market", "broken"):
        scene = SCENE_YAML.replace("street-01", name)
        (tmp_path / f"{name}.yaml").write_text(scene, encoding="utf-8")
    out = tmp_path / "out"
    (tmp_path / "cameras.yaml").write_text(
        f"out: {out}\n"
        "cameras:\n"
        f"  - {{scene: gate.yaml, source: {street_video}}}\n"
        f"  - {{scene: market.yaml, source: {street_video}}}\n"
        f"  - {{scene: broken.yaml, source: {tmp_path / 'missing.mp4'}}}\n",
        encoding="utf-8",
    )
    result = streetorder("watch", str(tmp_path / "cameras.yaml"), "--seconds", "60")
    assert result.returncode == 0, result.stderr
    for camera in ("gate", "market"):
        lines = (out / camera / "incidents.jsonl").read_text().splitlines()
        assert [json.loads(line)["type"] for line in lines] == ["clutter"]
    assert "camera broken: video file not found" in result.stderr  # logged once, one line
    broken_row = next(line for line in result.stdout.splitlines() if "│ broken" in line)
    assert "failed" in broken_row


def test_watch_file_errors_are_one_line(tmp_path: Path) -> None:
    cameras = tmp_path / "cameras.yaml"
    cameras.write_text("cameras: []\n", encoding="utf-8")
    assert_one_line_error(streetorder("watch", str(cameras)), str(cameras), "cameras")
