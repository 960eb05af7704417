"""The Ray engine's own cost: CPU and memory of each camera actor and of the cluster's processes.

Run from the repository root (``make bench-ray`` runs the defaults)::

    .venv/bin/python benchmarks/ray_engine_cost.py [--cameras 1,2,4] [--yolo-cameras 2]
        [--warmup-s 5] [--window-s 15] [--baseline-cameras 4] [--out var/bench-ray]

The highway clip with a 1 s GOP (one analysis a second), first as threads of one local
``Watch`` (baseline, ``benchmarks/cameras/fleet.py``), then per case on a fresh local Ray
cluster: N cameras as ``fleet.py`` writes them plus ``ray: {num_cpus: 0.25, replay_speed: 1}``,
run by ``RayEngine`` polled every 0.5 s like the live table (the YOLO case through the node's
shared model actor). Over a window after a warm-up: CPU seconds and, at its end, RSS, USS and
PSS of each camera actor (pid from the engine's statuses) and of each cluster process (this
driver's descendants that mention ray). Tables to stdout and ``<out>/results.md``, figures to
``<out>/results.json``, progress to stderr.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from statistics import mean
from typing import TYPE_CHECKING, Any

import psutil  # type: ignore[import-untyped]
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("YOLO_OFFLINE", "1")  # the actors inherit these
os.environ.setdefault("YOLO_CONFIG_DIR", str(ROOT / "var" / "ultralytics"))
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # nothing may reach the network

from benchmarks.cameras.clips import reencode_1s_gop  # noqa: E402
from benchmarks.cameras.fleet import FleetCase, machine_busy_s, run_case, write_watch_files  # noqa: E402
from benchmarks.cameras.report import write_results  # noqa: E402

if TYPE_CHECKING:
    from detector.engine.engine import CameraEngine
    from detector.engine.status import CameraStatus

log = logging.getLogger("bench.ray")
MIB = 1024 * 1024
POLL_S = 0.5
RAY_CPUS = 4
ACTOR_RAY = {"num_cpus": 0.25, "replay_speed": 1.0}
MEMORY = ("rss", "uss", "pss")


def _args(argv: list[str] | None) -> argparse.Namespace:
    shared = ROOT.parent / "shared"
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--cameras", default="1,2,4", help="Camera counts, comma-separated.")
    parser.add_argument("--yolo-cameras", type=int, default=2, help="0 skips the YOLO case.")
    parser.add_argument("--warmup-s", type=float, default=5.0)
    parser.add_argument("--window-s", type=float, default=15.0)
    parser.add_argument("--baseline-cameras", type=int, default=4, help="0 skips the baseline.")
    parser.add_argument("--model", type=Path, default=shared / "models" / "yolov5n_coco.pt")
    parser.add_argument("--clips", type=Path, default=shared / "data" / "clips")
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "bench-ray")
    return parser.parse_args(argv)


def _role(proc: psutil.Process) -> str:
    """``raylet``, ``gcs_server``, ``ray::IDLE``… or the stem of the Python script it runs."""
    name = str(proc.name())
    if name.startswith("ray::") or name in {"raylet", "gcs_server"}:
        return name
    return next((Path(a).stem for a in proc.cmdline() if str(a).endswith(".py")), name)


def _processes(actor_pids: set[int]) -> dict[int, psutil.Process]:
    """The camera actors, this driver and the cluster's processes, by pid."""
    procs = {pid: psutil.Process(pid) for pid in actor_pids}
    procs[os.getpid()] = psutil.Process()
    # Descendants only: other jobs on this machine may run Ray clusters of their own.
    for proc in psutil.Process().children(recursive=True):
        try:
            if "ray" in " ".join(proc.cmdline()):
                procs.setdefault(proc.pid, proc)
        except psutil.NoSuchProcess:
            continue
    return procs


def _cpu_s(procs: dict[int, psutil.Process]) -> dict[int, float]:
    seconds = {}
    for pid, proc in procs.items():
        try:
            times = proc.cpu_times()
        except psutil.NoSuchProcess:
            continue
        seconds[pid] = times.user + times.system
    return seconds


def _figures(proc: psutil.Process, cpu_s: float, window_s: float) -> dict[str, Any] | None:
    try:
        memory, role = proc.memory_full_info(), _role(proc)
    except psutil.NoSuchProcess:
        return None
    figures = {"pid": proc.pid, "role": role, "cores": cpu_s / window_s}
    return figures | {k: getattr(memory, k) for k in MEMORY}


def _poll_for(engine: CameraEngine, seconds: float) -> list[CameraStatus]:
    """Poll every 0.5 s for ``seconds``, as the live table does; the last statuses."""
    end = time.monotonic() + seconds
    rows = engine.poll()
    while time.monotonic() < end:
        time.sleep(min(POLL_S, max(0.0, end - time.monotonic())))
        rows = engine.poll()
    return rows


def _wait_ready(engine: CameraEngine, cameras: int, timeout_s: float = 120.0) -> float:
    start = time.monotonic()
    while True:
        rows = engine.poll()
        failed = [f"{r.camera_id}: {r.last_error}" for r in rows if r.state == "failed"]
        if failed:
            raise SystemExit(f"cameras failed: {failed}")
        if len(rows) == cameras and all(r.frames >= 2 and r.pid for r in rows):
            return time.monotonic() - start
        if time.monotonic() - start > timeout_s:
            raise SystemExit(f"cameras not analysing after {timeout_s:g} s: {rows}")
        time.sleep(POLL_S)


def _measure(engine: CameraEngine, n: int, args: argparse.Namespace) -> dict[str, Any]:
    ready_s = _wait_ready(engine, n)
    log.info("  analysing after %.1f s", ready_s)
    rows0 = _poll_for(engine, args.warmup_s)
    procs = _processes({r.pid for r in rows0})
    load0 = os.getloadavg()
    cpu0, wall0, machine0 = _cpu_s(procs), time.monotonic(), machine_busy_s()
    rows1 = _poll_for(engine, args.window_s)
    cpu1, wall1, machine1 = _cpu_s(procs), time.monotonic(), machine_busy_s()
    window = wall1 - wall0
    found = {p: _figures(procs[p], cpu1[p] - cpu0[p], window) for p in cpu0.keys() & cpu1.keys()}
    measured = {pid: f for pid, f in found.items() if f is not None}
    frames0 = {r.camera_id: (r.pid, r.frames) for r in rows0}
    if restarted := [r.camera_id for r in rows1 if r.pid != frames0[r.camera_id][0]]:
        raise SystemExit(f"cameras restarted during the window: {restarted}")
    actors = [
        measured[r.pid]
        | {"camera": r.camera_id, "state_at_end": str(r.state)}
        | {"analyses_per_s": (r.frames - frames0[r.camera_id][1]) / window}
        for r in rows1
    ]
    driver = measured.pop(os.getpid())
    cluster = [f for pid, f in measured.items() if pid not in {r.pid for r in rows1}]
    ours = sum(f["cores"] for f in measured.values()) + driver["cores"]
    return {
        "ready_s": ready_s,
        "window_s": window,
        "actors": actors,
        "cluster": cluster,
        "driver": driver,
        "others_cores_busy": (machine1[0] - machine0[0]) / window - ours,
        "loadavg": [load0, os.getloadavg()],
    }


def _ray_case(case: FleetCase, args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    import ray

    from detector.engine.engine import RayEngine

    folder.mkdir()
    cameras_file = write_watch_files(case, folder)
    watch = yaml.safe_load(cameras_file.read_text(encoding="utf-8"))
    for camera in watch["cameras"]:
        camera["ray"] = dict(ACTOR_RAY)
    cameras_file.write_text(yaml.safe_dump(watch), encoding="utf-8")
    ray.init(address="local", num_cpus=RAY_CPUS, include_dashboard=False, log_to_driver=True)
    engine = RayEngine(cameras_file)
    try:
        engine.start()
        result = _measure(engine, case.cameras, args)
    finally:
        engine.stop()
        ray.shutdown()
    return {"analyzers": case.analyzers, "cameras": case.cameras} | result


def _summary(cases: list[dict[str, Any]], baseline: dict[str, Any] | None) -> dict[str, Any]:
    summary: dict[str, Any] = {}
    for analyzers in sorted({c["analyzers"] for c in cases}):
        actors = [a for c in cases if c["analyzers"] == analyzers for a in c["actors"]]
        summary[analyzers] = {f"actor_{k}_mib": mean(a[k] for a in actors) / MIB for k in MEMORY}
        summary[analyzers]["actor_cores"] = mean(a["cores"] for a in actors)
        summary[analyzers]["all_running_at_end"] = all(
            a["state_at_end"] == "running" for a in actors
        )
    if baseline is not None and "static" in summary:
        extra = summary["static"]["actor_cores"] - baseline["cores_per_camera"]
        summary["static"]["c_a_extra_cores"] = extra
    return summary


def _mib(rows: list[dict[str, Any]], key: str, how: Any = mean) -> str:
    return f"{how(r[key] for r in rows) / MIB:.0f}"


def _markdown(report: dict[str, Any]) -> str:
    lines = [
        f"Run {report['started_utc']} – {report['finished_utc']} ({report['run_s']:.0f} s); "
        f"nproc {report['nproc']}, {report['ram_bytes'] / 1024 / MIB:.1f} GiB; Ray "
        f"{report['ray']}, Python {report['python']}; local cluster of {RAY_CPUS} logical "
        f"CPUs; camera actors `ray: {ACTOR_RAY}`.",
        "",
        "| Analyzers | Cameras | Analyses/s per camera | State at end | Actor cores each "
        "| Actor RSS MiB | Actor USS MiB | Actor PSS MiB | Cluster processes | Cluster RSS MiB "
        "| Cluster USS MiB | Cluster cores | Other processes' cores | Load avg 1 min |",
        "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for c in report["cases"]:
        a, f = c["actors"], c["cluster"]
        lines.append(
            f"| {c['analyzers']} | {c['cameras']} | {mean(x['analyses_per_s'] for x in a):.2f} | "
            f"{', '.join(sorted({x['state_at_end'] for x in a}))} | "
            f"{mean(x['cores'] for x in a):.4f} | {_mib(a, 'rss')} | {_mib(a, 'uss')} | "
            f"{_mib(a, 'pss')} | {len(f)} | {_mib(f, 'rss', sum)} | {_mib(f, 'uss', sum)} | "
            f"{sum(x['cores'] for x in f):.3f} | {c['others_cores_busy']:.2f} | "
            f"{c['loadavg'][0][0]:.1f}–{c['loadavg'][1][0]:.1f} |"
        )
    shown = {c["analyzers"]: c for c in report["cases"]}  # the last case of each set
    for c in shown.values():
        lines += ["", f"Cluster processes, {c['analyzers']} x{c['cameras']}:", ""]
        lines += ["| Process | RSS MiB | USS MiB | PSS MiB | Cores |", "|---|---:|---:|---:|---:|"]
        lines += [
            f"| {f['role']} | {f['rss'] / MIB:.0f} | {f['uss'] / MIB:.0f} | "
            f"{f['pss'] / MIB:.0f} | {f['cores']:.4f} |"
            for f in sorted(c["cluster"], key=lambda x: (x["role"], x["pid"]))
        ]
    lines.append("")
    for analyzers, s in report["summary"].items():
        lines.append(
            f"Per camera actor, {analyzers}: {s['actor_cores']:.4f} cores, USS "
            f"{s['actor_uss_mib']:.0f} MiB (RSS {s['actor_rss_mib']:.0f}, PSS "
            f"{s['actor_pss_mib']:.0f}); running at the window's end: {s['all_running_at_end']}."
        )
    if (base := report["baseline"]) is not None:
        lines.append(
            f"Local watch, {base['case']['cameras']} static cameras as threads, same clip: "
            f"{base['cores_per_camera']:.4f} cores and {base['rss_growth_per_camera'] / MIB:.1f}"
            f" MiB RSS growth per camera, {base['frames'] / base['window_s']:.1f} analyses/s."
        )
    return "\n".join(lines) + "\n"


def _run(args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    log.info("re-encoding highway_traffic.mp4 with a 1 s GOP")
    clip = reencode_1s_gop(args.clips / "highway_traffic.mp4", folder / "highway_gop1s.mp4")

    def fleet_case(n: int, analyzers: str) -> FleetCase:
        model = str(args.model) if analyzers == "static+yolo" else None
        return FleetCase(f"{analyzers} x{n}", clip.path, n, analyzers, model, *timing)

    timing = (args.warmup_s, args.window_s)
    baseline = None
    if args.baseline_cameras:
        log.info("baseline: %d cameras in one local Watch", args.baseline_cameras)
        n = args.baseline_cameras
        baseline = run_case(fleet_case(n, "static"))
        baseline["cores_per_camera"] = baseline["cores"] / n
        baseline["rss_growth_per_camera"] = (baseline["rss_end"] - baseline["rss_before"]) / n
    cases = [fleet_case(int(n), "static") for n in args.cameras.split(",")]
    cases += [fleet_case(args.yolo_cameras, "static+yolo")] if args.yolo_cameras else []
    results = []
    for i, case in enumerate(cases):
        log.info("Ray: %d camera actors, %s", case.cameras, case.analyzers)
        results.append(_ray_case(case, args, folder / f"case{i}"))
    return {"clip": clip.as_json(), "baseline": baseline, "cases": results}


def main(argv: list[str] | None = None) -> int:
    args = _args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="[bench] %(message)s")
    log.setLevel(logging.INFO)
    try:
        import ray
    except ImportError:
        raise SystemExit(
            "error: this benchmark needs Ray: pip install 'streetorder[ray]'"
        ) from None

    started, t0 = datetime.now(UTC), time.monotonic()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bench-ray-") as tmp:
        measured = _run(args, Path(tmp))
    report: dict[str, Any] = {
        "started_utc": started.strftime("%Y-%m-%d %H:%M"),
        "finished_utc": datetime.now(UTC).strftime("%H:%M"),
        "run_s": time.monotonic() - t0,
        "nproc": len(os.sched_getaffinity(0)),
        "ram_bytes": psutil.virtual_memory().total,
        "ray": ray.__version__,
        "python": platform.python_version(),
        **measured,
        "summary": _summary(measured["cases"], measured["baseline"]),
    }
    text = _markdown(report)
    write_results(args.out, report, text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
