"""Detection benchmark: milliseconds per sampled frame per analyzer, at 720p and 1080p.

Run from the repository root::

    .venv/bin/python benchmarks/analyzers.py [--frames 16] [--repeats 5] [--out var/bench-analyzers]

Frames: the rendered street, one per second. Each repetition builds fresh analyzers (models
shared), primes them with frame 0 and times frames 1…N, every analyzer and size interleaved,
plus key-frame decoding of a 1080p clip (1 s GOP). One thread per runtime unless marked.
Tables go to stdout and ``<out>/results.md``; progress and library logs to stderr.
"""

from __future__ import annotations

import os
from pathlib import Path

# Ultralytics reads these on import: never reach the network, keep its settings in the repo.
os.environ["YOLO_OFFLINE"] = "1"
os.environ.setdefault(
    "YOLO_CONFIG_DIR", str(Path(__file__).resolve().parents[1] / "var" / "ultralytics")
)

import argparse
import logging
import platform
import statistics
import sys
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from typing import Any

import cv2
import numpy as np
import onnxruntime as ort  # type: ignore[import-untyped]
import openvino as ov  # type: ignore[import-untyped]
import torch

from detector.analyzers import Analyzer
from detector.analyzers.objects import ObjectsAnalyzer, ObjectsConfig, RawDetections
from detector.analyzers.objects import inference as v5
from detector.analyzers.objects.backends import Detector, open_detector
from detector.analyzers.objects.settings import InferenceSettings
from detector.analyzers.static_change import StaticChangeAnalyzer
from detector.analyzers.text import OcrEngine, TextAnalyzer, TextConfig
from detector.analyzers.text.engine import DetectedLine
from detector.demo.encode import write_video
from detector.demo.street import StreetScript, render_frame, render_frames
from detector.sources.config import CameraConfig, SamplingConfig
from detector.sources.factory import create_source
from detector.sources.frames import Frame, ImageBGR
from detector.sources.sampling import SamplingMode

SIZES = {"720p": (1280, 720), "1080p": (1920, 1080)}
YOLOV5 = Path(__file__).resolve().parents[2] / "shared" / "models" / "yolov5n_coco.pt"
CLIP_FPS, CLIP_GOP, CLIP_S, CLIP_CRF = 25, 25, 10.0, 18  # 1 key frame/s: 1 analysis/s
ZONE_HEIGHT = 0.42  # the text zone: the rendered facade, the top 42 % of the frame
RECT = (384, 640)  # export (h, w): the letterboxed input of the .pt paths for 16:9 frames

STATIC, V5PT = "Static change", "YOLOv5n checkpoint .pt (torch)"
V5ONNX = "YOLOv5n checkpoint ONNX (ONNX Runtime, bonus)"
ULTRALYTICS = {  # case name → model built by build_ultralytics
    "yolov5nu .pt (torch)": "pt",
    "yolov5nu ONNX 640×640": "onnx 640",
    "yolov5nu ONNX 640×384": f"onnx {RECT}",
    "yolov5nu OpenVINO 640×640": "openvino 640",
    "yolov5nu OpenVINO 640×384": f"openvino {RECT}",
}
OCR, SKIP = "Text, OCR detection runs", "Text, OCR skipped (zone unchanged)"
CPU_WALL = ("cpu_s", "wall_s")
DECODE = "Key-frame decode to BGR (1080p H.264, GOP 1 s), ms per key frame"


def log(message: str) -> None:
    sys.stderr.write(f"[bench] {message}\n")


class CountingEngine(OcrEngine):
    """RapidOCR as the text analyzer uses it, counting text detections (the costly step)."""

    calls = 0

    def detect(self, image: ImageBGR) -> list[DetectedLine]:
        self.calls += 1
        return super().detect(image)


class OnnxYoloV5:
    """The YOLOv5n checkpoint exported by ``torch.onnx.export``, run by ONNX Runtime with the
    analyzer's own letterbox and NMS (benchmark only: the product has no such backend)."""

    def __init__(self, path: Path, names: tuple[str, ...]) -> None:
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.names, self.path = names, path

    def detect(self, image_bgr: ImageBGR, settings: InferenceSettings) -> RawDetections:
        tensor, box = v5.letterbox(image_bgr, settings.imgsz)
        output = self.session.run(None, {"images": tensor.numpy()})[0]
        boxes, scores, classes = v5.select_boxes(torch.from_numpy(output[0]), settings)
        names = tuple(self.names[int(i)] for i in classes)
        return RawDetections(box.to_source(boxes), scores.numpy().astype(np.float32), names)


@contextmanager
def one_thread_runtimes() -> Iterator[None]:
    """ONNX Runtime sessions and OpenVINO models created inside run on one thread (Ultralytics
    uses the runtimes' defaults, every core, and the product has no setting for it)."""
    session_class, compile_model = ort.InferenceSession, ov.Core.compile_model

    class OneThreadSession(session_class):  # type: ignore[misc, valid-type]
        def __init__(self, path: Any, options: Any = None, *args: Any, **kwargs: Any) -> None:
            options = options or ort.SessionOptions()
            options.intra_op_num_threads = options.intra_op_num_threads or 1
            super().__init__(path, options, *args, **kwargs)

    def compile_one(self: Any, model: Any, device_name: Any = None, config: Any = None) -> Any:
        one_thread = {**(config or {}), "INFERENCE_NUM_THREADS": 1}
        return compile_model(self, model, device_name=device_name, config=one_thread)

    ort.InferenceSession, ov.Core.compile_model = OneThreadSession, compile_one
    try:
        yield
    finally:
        ort.InferenceSession, ov.Core.compile_model = session_class, compile_model


def build_ultralytics(out: Path) -> dict[str, Path]:
    """yolov5nu from its YAML (random weights, COCO names) as .pt, ONNX and OpenVINO, the
    exports at Ultralytics' default 640×640 and at 640 wide × 384 high."""
    from ultralytics.models import YOLO
    from ultralytics.utils import YAML
    from ultralytics.utils.checks import check_yaml

    names = YAML.load(check_yaml("coco8.yaml"))["names"]  # type: ignore[no-untyped-call]
    models: dict[str, Path] = {}
    for stem, imgsz in (("yolov5nu_random", 640), ("yolov5nu_random_384x640", RECT)):
        built: Any = YOLO("yolov5nu.yaml")
        built.model.names = dict(names)
        pt = out / f"{stem}.pt"
        built.save(str(pt))
        models.setdefault("pt", pt)
        loaded: Any = YOLO(str(pt))
        for fmt in ("onnx", "openvino"):
            models[f"{fmt} {imgsz}"] = Path(loaded.export(format=fmt, imgsz=imgsz, verbose=False))
    return models


def export_yolov5_onnx(out: Path) -> OnnxYoloV5:
    """The YOLOv5n checkpoint as ONNX (any input size), checked against the torch network."""
    detector = v5.load_yolov5_checkpoint(YOLOV5)
    path, sample = out / "yolov5n_coco_checkpoint.onnx", torch.rand(1, 3, *RECT)
    axes = {"images": {2: "height", 3: "width"}}
    export: dict[str, Any] = {"dynamo": False, "input_names": ["images"], "dynamic_axes": axes}
    torch.onnx.export(detector.network, (sample,), str(path), opset_version=17, **export)
    onnx = OnnxYoloV5(path, detector.names)
    with torch.inference_mode():
        expected = detector.network(sample).numpy()
    got = onnx.session.run(None, {"images": sample.numpy()})[0]
    log(f"{path.name}: max |ONNX - torch| = {float(np.abs(got - expected).max()):.2g}")
    return onnx


@dataclass(frozen=True)
class Case:
    name: str
    make: Callable[[int, int], Analyzer]
    """A fresh analyzer (fresh per-camera state) for frames of this width and height."""
    engine: CountingEngine | None = None
    ocr_per_frame: int | None = None
    """Text detections each timed frame must run (checked)."""
    sizes: tuple[str, ...] = tuple(SIZES)
    settle_s: float = 0.0
    """Untimed pause after each call: ONNX Runtime's default pool spins ~40 ms after a run."""


def objects_case(name: str, path: Path, detector: Detector | None = None, **kw: Any) -> Case:
    """An objects analyzer per camera; the loaded model is shared, as the product allows."""
    config, loaded = ObjectsConfig(model_path=path), detector or open_detector(path)
    return Case(name, lambda w, h: ObjectsAnalyzer(config, detector=loaded), **kw)


def text_case(name: str, config: TextConfig, ocr_per_frame: int, **kw: Any) -> Case:
    engine = CountingEngine(config)

    def make(w: int, h: int) -> Analyzer:
        zone = np.array([[0, 0], [w, 0], [w, h * ZONE_HEIGHT], [0, h * ZONE_HEIGHT]])
        return TextAnalyzer(zones=[zone], config=config, engine=engine)

    return Case(name, make, engine, ocr_per_frame, **kw)


def build_cases(out: Path) -> list[Case]:
    with warnings.catch_warnings(), one_thread_runtimes():
        warnings.simplefilter("ignore")  # torch.jit tracing warns at every export
        models = build_ultralytics(out)
        onnx_v5 = export_yolov5_onnx(out)
        objects = [objects_case(V5PT, YOLOV5), objects_case(V5ONNX, onnx_v5.path, onnx_v5)]
        objects += [objects_case(name, models[key]) for name, key in ULTRALYTICS.items()]
    # Opened outside the wrapper: the runtimes' own thread defaults, as the product ships
    # (1080p only, to keep the run short).
    threaded: dict[str, Any] = {"sizes": ("1080p",), "settle_s": 0.1}
    objects += [
        objects_case(f"{name}, default threads", models[ULTRALYTICS[name]], **threaded)
        for name in ("yolov5nu ONNX 640×640", "yolov5nu OpenVINO 640×640")
    ]
    # learn_s=0: steady state from the first frame, no 60 s learning phase. OCR runs on every
    # frame when a refresh is due every second, and never within 600 s of the last run.
    every = TextConfig(learn_s=0, ocr_interval_s=0, ocr_refresh_s=1, threads=1)
    never = TextConfig(
        learn_s=0, ocr_interval_s=600, ocr_refresh_s=3600, volatile_window_s=3600, threads=1
    )
    default_threads = every.model_copy(update={"threads": 0})
    return [
        Case(STATIC, lambda w, h: StaticChangeAnalyzer()),
        *objects,
        text_case(OCR, every, 1),
        text_case(SKIP, never, 0),
        text_case(f"{OCR}, threads=0 (default)", default_threads, 1, **threaded),
    ]


def street(size: str, n: int) -> list[Frame]:
    s = StreetScript(duration_s=60, fps=1, width=SIZES[size][0], height=SIZES[size][1])
    return [Frame("bench", i, float(i), 0, None, True, render_frame(s, i)) for i in range(n)]


def make_clip(out: Path) -> Path:
    """1080p H.264 street clip with a 1 s GOP (rendered once, then cached in ``out``)."""
    path = out / f"street_1920x1080_{CLIP_FPS}fps_gop{CLIP_GOP}_crf{CLIP_CRF}_{CLIP_S:g}s.mp4"
    if not path.exists():
        log(f"rendering and encoding {path} (done once, cached)")
        script = StreetScript(duration_s=CLIP_S, fps=CLIP_FPS, width=1920, height=1080)
        partial = path.with_name(f".partial-{path.name}")
        write_video(render_frames(script), partial, fps=CLIP_FPS, gop_frames=CLIP_GOP, crf=CLIP_CRF)
        partial.replace(path)
    return path


def decode_keyframes(path: Path) -> int:
    """Read ``path`` as a keyframes camera does (one decoder thread); key frames delivered."""
    sampling = SamplingConfig(mode=SamplingMode.KEYFRAMES)
    camera = CameraConfig(id="bench", source=str(path), sampling=sampling, decoder_threads=1)
    return sum(frame.image_bgr is not None for frame in create_source(camera).frames())


@dataclass
class Tally:
    """One case over one repetition: sums over its timed frames."""

    wall_s: float = 0.0
    cpu_s: float = 0.0
    frames: int = 0
    boxes: int = 0
    ocr_runs: int = 0

    def ms(self, field: str) -> float:
        return 1000.0 * float(getattr(self, field)) / max(self.frames, 1)


Results = dict[str, dict[str, list[Tally]]]
"""Size ("720p", "1080p") → case name → one tally per repetition."""


def run_repeat(cases: Sequence[Case], sequences: dict[str, list[Frame]], rep: int) -> Results:
    """Fresh analyzers primed with frame 0; frames 1… timed, every case interleaved."""
    shift = rep % len(cases)
    order = [*cases[shift:], *cases[:shift]]  # no case always runs right after the same one
    analyzers = {(r, c.name): c.make(*SIZES[r]) for r in sequences for c in cases if r in c.sizes}
    for (res, _), analyzer in analyzers.items():
        analyzer.analyze(sequences[res][0])
    time.sleep(0.2)  # let thread pools of the priming calls stop spinning
    tallies = {key: Tally() for key in analyzers}
    for index in range(1, min(len(frames) for frames in sequences.values())):
        for res, frames in sequences.items():
            for case in (c for c in order if res in c.sizes):
                tally, calls = tallies[(res, case.name)], case.engine.calls if case.engine else 0
                wall0, cpu0 = time.perf_counter(), time.process_time()
                found = len(analyzers[(res, case.name)].analyze(frames[index]))
                tally.cpu_s += time.process_time() - cpu0
                tally.wall_s += time.perf_counter() - wall0
                tally.frames, tally.boxes = tally.frames + 1, tally.boxes + found
                tally.ocr_runs += (case.engine.calls if case.engine else 0) - calls
                time.sleep(case.settle_s)
    results: Results = {res: {} for res in sequences}
    for (res, name), got in tallies.items():
        case = next(c for c in cases if c.name == name)
        if case.ocr_per_frame is not None and got.ocr_runs != case.ocr_per_frame * got.frames:
            raise RuntimeError(f"{name}, {res}: {got.ocr_runs} OCR runs in {got.frames} frames")
        results[res][name] = [got]
    return results


def run(cases: Sequence[Case], sequences: dict[str, list[Frame]], clip: Path, reps: int) -> Results:
    """Every repetition: decode the clip once, then run every case; ``DECODE`` in 1080p."""
    results: Results = {res: {c.name: [] for c in cases if res in c.sizes} for res in sequences}
    results["1080p"][DECODE] = decodes = []
    for rep in range(reps):
        wall0, cpu0 = time.perf_counter(), time.process_time()
        count = decode_keyframes(clip)
        decodes.append(Tally(time.perf_counter() - wall0, time.process_time() - cpu0, count))
        for res, by_case in run_repeat(cases, sequences, rep).items():
            for name, tallies in by_case.items():
                results[res][name] += tallies
        done = ", ".join(f"{name} {t[-1].ms('wall_s'):.1f}" for name, t in results["1080p"].items())
        log(f"repeat {rep + 1}/{reps}, 1080p ms/frame: {done}")
    return results


def med(tallies: Sequence[Tally], field: str = "wall_s") -> float:
    return statistics.median(t.ms(field) for t in tallies)


def cells(runs: Sequence[Tally]) -> list[str]:
    """Median wall ms, wall min–max, median CPU ms; dashes where the case did not run."""
    if not runs:
        return ["—"] * 3
    walls = [t.ms("wall_s") for t in runs]
    return [f"{med(runs):.1f}", f"{min(walls):.1f}–{max(walls):.1f}", f"{med(runs, 'cpu_s'):.1f}"]


def analyzer_table(results: Results, cases: Sequence[Case]) -> list[str]:
    lines = [
        "| Analyzer | 720p ms | 720p min–max | 720p CPU ms | 1080p ms | 1080p min–max "
        "| 1080p CPU ms | Boxes per frame | OCR runs per frame |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, text in [(DECODE, None), *((case.name, case.engine) for case in cases)]:
        row = [cell for res in SIZES for cell in cells(results[res].get(name, []))]
        runs = results["1080p"][name]
        frames = sum(t.frames for t in runs)
        ocr = f"{sum(t.ocr_runs for t in runs) / frames:.2f}" if text else "—"
        boxes = f"{sum(t.boxes for t in runs) / frames:.2f}" if name != DECODE else "—"
        lines.append(f"| {name} | {' | '.join(row)} | {boxes} | {ocr} |")
    return lines


def capacity_table(results: Results) -> list[str]:
    """Per set-up, 1080p: decode + each analyzer × the share of seconds it runs in."""
    lines = [
        "| Set-up (1080p, key frames, 1 analysis/s) | CPU ms per camera-second "
        "| Cameras per core (CPU) | Wall ms per camera-second | Cameras per core (wall) |",
        "|---|---:|---:|---:|---:|",
    ]
    rows = [("(i) static change", {STATIC: 1.0})]
    tags = ("(ii)", "(ii-b)", "(iii-a)", "(iii)", "(iii-b)", "(iv)", "(iv-b)")
    names = (V5PT, V5ONNX, *ULTRALYTICS)
    rows += [
        (f"{t} static change + {n}", {STATIC: 1, n: 1}) for t, n in zip(tags, names, strict=True)
    ]
    for tag, every_s in (("(v)", 30), ("(v-b)", 2)):
        text = {OCR: 1 / every_s, SKIP: 1 - 1 / every_s}
        rows.append((f"{tag} (ii) + text, OCR in 1 s of {every_s}", {STATIC: 1, V5PT: 1, **text}))
    for label, analyzers in rows:
        parts = {DECODE: 1.0, **analyzers}.items()
        cpu, wall = (sum(x * med(results["1080p"][n], f) for n, x in parts) for f in CPU_WALL)
        lines.append(f"| {label} | {cpu:.1f} | {1000 / cpu:.1f} | {wall:.1f} | {1000 / wall:.1f} |")
    return lines


def environment(repeats: int, timed: int, run_s: float, clip: Path) -> list[str]:
    size, keyframes = clip.stat().st_size, CLIP_S * CLIP_FPS / CLIP_GOP
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    models = [line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")]
    packages = ("torch", "ultralytics", "onnxruntime", "openvino", "rapidocr", "av", "numpy")
    return [
        f"- Run: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {run_s:.0f} s; {repeats} repetitions "
        f"of {timed} timed frames per analyzer and size, interleaved; ms: median of the "
        "repetitions' means; min–max: across repetitions (wall time)",
        f"- CPU: {len(os.sched_getaffinity(0))} usable cores (nproc), {(models or ['?'])[0]}",
        f"- Python {platform.python_version()}, "
        + ", ".join(f"{name} {version(name)}" for name in packages)
        + f", OpenCV {cv2.__version__}",
        f"- Threads: torch {torch.get_num_threads()}, OpenCV {cv2.getNumThreads()}, ONNX Runtime "
        "and OpenVINO 1 (except rows marked default threads), RapidOCR `threads=1` (ditto)",
        f"- Decode clip: `{clip.name}`, {keyframes:g} key frames in {CLIP_S:g} s, "
        f"{size / 1e6:.1f} MB ({size * 8 / CLIP_S / 1e6:.1f} Mbit/s); source opening included",
    ]


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--frames", type=int, default=16, help="per sequence; frame 0 untimed")
    parser.add_argument("--repeats", type=int, default=5, help="repetitions (default 5)")
    parser.add_argument("--out", type=Path, default=Path("var/bench-analyzers"))
    args = parser.parse_args(argv)
    if args.frames < 2 or args.repeats < 1:
        parser.error("--frames must be at least 2 and --repeats at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    torch.set_num_threads(1)
    cv2.setNumThreads(1)
    from ultralytics.utils import LOGGER

    for handler in LOGGER.handlers:  # Ultralytics logs to stdout, where the tables go
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(sys.stderr)
    cases = build_cases(out)
    sequences = {res: street(res, args.frames) for res in SIZES}
    clip = make_clip(out)
    results = run(cases, sequences, clip, args.repeats)
    run_s = time.perf_counter() - started
    lines = ["# Detection benchmark", "", *environment(args.repeats, args.frames - 1, run_s, clip)]
    lines += ["", "## Milliseconds per sampled frame", "", *analyzer_table(results, cases)]
    lines += ["", "## 1080p cameras per core", "", *capacity_table(results), ""]
    report = "\n".join(lines)
    (out / "results.md").write_text(report)
    sys.stdout.write(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
