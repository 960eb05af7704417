"""`streetorder watch --engine ray|processes` from the command line: one-line errors when Ray is
missing or its cluster cannot be reached (no cluster started here); `--engine processes` runs
without Ray."""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

import pytest

from api.server import free_port
from detector.engine.cluster import cluster_endpoint
from tests.detector.engine.conftest import write_cameras


def run_in_process(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> str:
    from detector.cli.main import run

    monkeypatch.setattr(sys, "argv", ["streetorder", "watch", *args])
    with pytest.raises(SystemExit) as exit_status:
        run()
    assert exit_status.value.code == 1
    (line,) = capsys.readouterr().err.strip().splitlines()
    return line


def test_without_ray_installed_the_error_says_how_to_get_it(
    tmp_path: Path,
    street_clip: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    cameras_file = write_cameras(tmp_path, street_clip, ["cam-a"])
    monkeypatch.setitem(sys.modules, "ray", None)  # what `import ray` does when it is absent
    line = run_in_process(monkeypatch, capsys, str(cameras_file), "--engine", "ray")
    assert line.startswith("error: ") and "pip install 'streetorder[ray]'" in line


@pytest.mark.slow
def test_processes_run_without_ray_installed(
    tmp_path: Path,
    street_clip: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from detector.cli.main import run

    monkeypatch.setenv("COLUMNS", "200")  # one table row per camera
    cameras_file = write_cameras(tmp_path, street_clip, ["cam-a"])
    monkeypatch.setitem(sys.modules, "ray", None)  # what `import ray` does when it is absent
    args = ["watch", str(cameras_file), "--engine", "processes", "--seconds", "1"]
    monkeypatch.setattr(sys, "argv", ["streetorder", *args])
    with pytest.raises(SystemExit) as exit_status:
        run()
    assert exit_status.value.code == 0
    out = capsys.readouterr().out
    assert "StreetOrder watch (processes)" in out
    assert re.search(r"│ cam-a +│ \S+ / \d+ +│ stopped +│", out), out


@pytest.mark.parametrize(
    ("cameras", "args", "expected"),
    [
        (["cam-a"], ["--address", "auto"], "error: --address is for --engine ray"),
        (["cam-a"], ["--group", "east"], "error: --group is for --engine ray"),
        (
            ["cam-a"],
            ["--engine", "processes", "--address", "auto"],
            "error: --address is for --engine ray",
        ),
        (
            ["cam-a"],
            ["--engine", "processes", "--group", "east"],
            "error: --group takes cameras from the service: it needs --api",
        ),
        (
            ["cam-a"],
            ["--engine", "ray", "--group", "east"],
            "error: --group takes cameras from the service: it needs --api",
        ),
        (
            ["cam-a"],
            ["--engine", "ray", "--group", "east side", "--api", "http://t:1", "--api-key", "k"],
            "error: --group 'east side': letters, digits and _ . - only, at most 64 characters",
        ),
        (
            [],
            [],
            "lists no cameras (an empty list is for --engine ray or processes with --api",
        ),
        ([], ["--engine", "ray"], "lists no cameras, and without --api and --group no service"),
        ([], ["--engine", "processes"], "lists no cameras, and without --api and --group no"),
        (
            [],
            ["--engine", "ray", "--api", "http://t:1", "--api-key", "k"],
            "lists no cameras, and without --api and --group no service assigns any",
        ),
    ],
)
def test_argument_mistakes_are_one_line_before_anything_starts(
    tmp_path: Path,
    street_clip: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    cameras: list[str],
    args: list[str],
    expected: str,
) -> None:
    cameras_file = write_cameras(tmp_path, street_clip, cameras)
    line = run_in_process(monkeypatch, capsys, str(cameras_file), *args)
    assert line.startswith("error: ") and expected in line


@pytest.mark.parametrize(
    ("address", "endpoint"),
    [
        ("10.0.0.5:6379", ("10.0.0.5", 6379)),
        ("ray://head.cluster:10001", ("head.cluster", 10001)),
        ("ray://[::1]:10001", ("::1", 10001)),
        ("auto", None),
        ("local", None),
    ],
)
def test_cluster_addresses(address: str, endpoint: tuple[str, int] | None) -> None:
    assert cluster_endpoint(address) == endpoint


def test_no_cluster_at_the_address_is_one_line_at_once(
    tmp_path: Path,
    street_clip: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    cameras_file = write_cameras(tmp_path, street_clip, ["cam-a"])
    address = f"ray://127.0.0.1:{free_port()}"  # Ray itself would retry for minutes
    started = time.monotonic()
    line = run_in_process(
        monkeypatch, capsys, str(cameras_file), "--engine", "ray", "--address", address
    )
    assert line.startswith(f"error: cannot reach the Ray cluster at {address}: ")
    assert time.monotonic() - started < 10
