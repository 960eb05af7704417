"""Per-camera figures from the measured cases, and the Markdown tables."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

MIB = 1024 * 1024
HEADROOM = 0.30
"""Share of a node's CPU and memory kept free (bursts, bundle writing, the OS)."""


def write_results(out: Path, report: dict[str, Any], text: str) -> None:
    """Every figure to ``out/results.json``, the tables to ``out/results.md`` and stdout."""
    (out / "results.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    (out / "results.md").write_text(text, encoding="utf-8")
    sys.stdout.write(text)


def slope(points: Sequence[tuple[float, float]]) -> float:
    """Least-squares slope of y over x."""
    n = len(points)
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    var = sum((x - mean_x) ** 2 for x, _ in points)
    return sum((x - mean_x) * (y - mean_y) for x, y in points) / var if var else 0.0


def _idle(results: list[dict[str, Any]], analyzers: str) -> dict[str, Any] | None:
    idle_set = "static+yolo" if analyzers == "static+yolo" else "static"
    return next(
        (r for r in results if r["case"]["cameras"] == 0 and r["case"]["analyzers"] == idle_set),
        None,
    )


def per_camera(results: list[dict[str, Any]], analyzers: str, clip: str) -> dict[str, Any] | None:
    """Slopes over the cases of one analyzer set and clip, the idle process as N = 0."""
    runs = [
        r
        for r in results
        if r["case"]["analyzers"] == analyzers
        and r["case"]["clip"] == clip
        and r["case"]["cameras"]
    ]
    idle = _idle(results, analyzers)
    if not runs or idle is None:
        return None
    points = [idle, *runs]
    cores = slope([(r["case"]["cameras"], r["cores"]) for r in points])
    rss = slope([(r["case"]["cameras"], r["rss_end"]) for r in points])
    frames = sum(r["frames"] for r in runs)
    extra_cpu = sum(r["cpu_s"] - idle["cores"] * r["window_s"] for r in runs)
    stream_bps = sum(r["bytes_read"] * 8 / r["window_s"] for r in runs) / sum(
        r["case"]["cameras"] for r in runs
    )
    analyses = frames / sum(r["window_s"] * r["case"]["cameras"] for r in runs)
    return {
        "analyzers": analyzers,
        "clip": clip,
        "cameras_measured": [r["case"]["cameras"] for r in runs],
        "cores_per_camera": cores,
        "cpu_ms_per_frame": extra_cpu / frames * 1000 if frames else 0.0,
        "analyses_per_s": analyses,
        "rss_per_camera": rss,
        "idle_rss": idle["rss_end"],
        "idle_cores": idle["cores"],
        "stream_bps": stream_bps,
    }


def cameras_per_node(cores_per_camera: float, rss_per_camera: float, cores: int, ram: int) -> int:
    """Cameras a node serves with ``HEADROOM`` of CPU and memory kept free."""
    by_cpu = cores * (1 - HEADROOM) / cores_per_camera
    by_ram = ram * (1 - HEADROOM) / rss_per_camera
    return int(min(by_cpu, by_ram))


def case_table(results: list[dict[str, Any]], clip_names: dict[str, str]) -> list[str]:
    lines = [
        "| Analyzers | Clip | Cameras | Frames in window | Process cores | Cores per camera "
        "(minus idle) | CPU ms per frame | RSS MiB | RSS MiB per camera (minus idle) | Stream "
        "kbit/s per camera | Max late s | Other processes' cores | Load avg |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        case, n = r["case"], r["case"]["cameras"]
        idle = _idle(results, case["analyzers"]) if n else None
        idle_cores = idle["cores"] if idle else 0.0
        idle_rss = idle["rss_end"] if idle else 0
        per_core = f"{(r['cores'] - idle_cores) / n:.4f}" if n else "—"
        per_ms = (
            f"{(r['cpu_s'] - idle_cores * r['window_s']) / r['frames'] * 1000:.1f}"
            if r["frames"]
            else "—"
        )
        per_rss = f"{(r['rss_end'] - idle_rss) / n / MIB:.1f}" if n else "—"
        kbps = f"{r['bytes_read'] * 8 / r['window_s'] / n / 1000:.0f}" if n else "—"
        lines.append(
            f"| {case['analyzers']} | {clip_names.get(case['clip'], case['clip'])} | {n} | "
            f"{r['frames']} | {r['cores']:.3f} | {per_core} | {per_ms} | "
            f"{r['rss_end'] / MIB:.0f} | {per_rss} | {kbps} | {r['max_late_s']:.2f} | "
            f"{r['others_cores_busy']:.2f} | "
            f"{r['loadavg_1m_start']:.1f}–{r['loadavg_1m_end']:.1f} |"
        )
    return lines


def summary_table(
    rows: list[dict[str, Any]], clip_names: dict[str, str], cores: int, ram: int
) -> list[str]:
    lines = [
        "| Analyzers | Clip | Cameras measured | Analyses per camera-second | CPU cores per camera "
        "(slope) | CPU ms per analysis | RSS MiB per camera (slope) | Stream kbit/s per camera | "
        f"Cameras per node here ({cores} cores, {ram / 1024 / MIB:.0f} GiB, 30 % headroom) |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        fits = cameras_per_node(row["cores_per_camera"], row["rss_per_camera"], cores, ram)
        lines.append(
            f"| {row['analyzers']} | {clip_names.get(row['clip'], row['clip'])} | "
            f"{', '.join(map(str, row['cameras_measured']))} | {row['analyses_per_s']:.2f} | "
            f"{row['cores_per_camera']:.4f} | {row['cpu_ms_per_frame']:.1f} | "
            f"{row['rss_per_camera'] / MIB:.1f} | {row['stream_bps'] / 1000:.0f} | {fits} |"
        )
    return lines


def probe_tables(
    decoding: dict[str, dict[str, float]],
    yolo: dict[str, Any] | None,
    bundles: list[dict[str, Any]],
) -> list[str]:
    lines = [
        "Reading alone (every packet into a 30 s evidence buffer, key frames decoded to BGR):",
        "",
        "| Clip | Key frames | CPU ms per key frame | CPU ms per media second | 30 s buffer MB |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, d in decoding.items():
        lines.append(
            f"| {name} | {d['keyframes']:.0f} | {d['cpu_ms_per_keyframe']:.2f} | "
            f"{d['cpu_ms_per_media_s']:.2f} | {d['buffer_bytes_30s'] / 1e6:.2f} |"
        )
    lines.append("")
    if yolo is not None:
        shape = "×".join(str(v) for v in yolo["input"][2:])
        lines += [
            f"YOLOv5n on one torch thread, {yolo['frames']} key frames, network input {shape}, "
            f"{yolo['boxes_per_frame']:.1f} boxes per frame (medians):",
            "",
            "| Part | Wall ms | CPU ms |",
            "|---|---:|---:|",
        ]
        for name, part in yolo["parts"].items():
            lines.append(f"| {name} | {part['wall_ms']:.1f} | {part['cpu_ms']:.1f} |")
        b = yolo["batched_forward"]
        lines.append(
            f"| forward, batch of {b['batch']}, per frame | {b['wall_ms']:.1f} | "
            f"{b['cpu_ms']:.1f} |"
        )
        lines.append("")
    lines += [
        "Evidence bundle per incident (20 s clip around the moment, the default pre/post-roll):",
        "",
        "| Clip | Packets | Clip s | Bundle MB | Upload tar MB | clip.mp4 MB | Write wall ms "
        "| Write CPU ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for b in bundles:
        name = b["clip"].rsplit("/", 1)[-1]
        lines.append(
            f"| {name} | {b['packets']} | {b['clip_s']:.1f} | {b['bundle_bytes'] / 1e6:.3f} | "
            f"{b['tar_bytes'] / 1e6:.3f} | {b['files'].get('clip.mp4', 0) / 1e6:.3f} | "
            f"{b['wall_ms']:.0f} | {b['cpu_ms']:.0f} |"
        )
    return lines
