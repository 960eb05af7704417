"""One objects model per Ray node: concurrent cameras are batched through it, its detections
are the local analyzer's, and a camera on Ray builds the proxy rather than its own model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
import torch

from detector.analyzers.detections import Detections
from detector.analyzers.objects import DeviceError, ModelError, ObjectsAnalyzer, ObjectsConfig
from detector.analyzers.objects.inference import load_yolov5_checkpoint
from detector.analyzers.objects.settings import InferenceSettings
from detector.engine.backends import RayBackend
from detector.engine.batch_detect import detect_many
from detector.engine.model_server import inference_settings
from detector.engine.options import RayOptions
from detector.engine.shared_model import (
    ACTOR_PREFIX,
    NodeObjectsAnalyzer,
    RemoteDetector,
    camera_analyzers,
    counts_line,
    model_actor_name,
    model_counts,
    model_placement,
    node_model_actor,
    stop_model_actors,
)
from detector.engine.specs import load_specs
from detector.engine.status import WorkerState
from detector.engine.worker import CameraWorker
from detector.sources.frames import ImageBGR
from tests.detector.analyzers.objects.helpers import BUS_JPG, YOLOV5_CHECKPOINT, make_frame
from tests.detector.engine.conftest import write_cameras
from tests.factories import SHARED

ray = pytest.importorskip("ray")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def config() -> ObjectsConfig:
    if not SHARED.is_dir():
        pytest.skip(f"YOLOv5 checkpoint not present: {SHARED} (../shared is absent)")
    return ObjectsConfig(model_path=YOLOV5_CHECKPOINT, track=False)


@pytest.fixture(scope="module")
def frames() -> list[ImageBGR]:
    """bus.jpg, a mirrored copy, and a smaller copy (another size: another network call)."""
    read = cv2.imread(str(BUS_JPG))
    assert read is not None
    bus = np.asarray(read, np.uint8)
    small = np.asarray(cv2.resize(bus, (405, 540)), np.uint8)
    return [bus, np.ascontiguousarray(bus[:, ::-1]), small]


def assert_same(shared: Detections, local: Detections) -> None:
    assert list(shared.labels) == list(local.labels)
    assert np.abs(shared.xyxy - local.xyxy).max(initial=0.0) <= 1.0


def test_a_batch_gives_each_frame_its_single_frame_detections(
    config: ObjectsConfig, frames: list[ImageBGR]
) -> None:
    detector = load_yolov5_checkpoint(config.model_path)
    settings = inference_settings(config)
    batched = detect_many(detector, [*frames, frames[0]], settings)
    for image, raw in zip([*frames, frames[0]], batched, strict=True):
        alone = detector.detect(image, settings)
        assert raw.class_names == alone.class_names
        assert np.abs(raw.xyxy - alone.xyxy).max(initial=0.0) <= 1.0


def test_an_ultralytics_batch_is_one_predict_with_single_frame_results(
    tmp_path: Path, frames: list[ImageBGR]
) -> None:
    from ultralytics.models import YOLO

    from detector.analyzers.objects import UltralyticsDetector

    built: Any = YOLO("yolov8n.yaml")  # random weights: nothing is downloaded
    with torch.no_grad():
        for branch in built.model.model[-1].cv3:
            branch[-1].bias[0] = 12.0  # sees class 0 everywhere, so there is something to compare
    built.save(str(tmp_path / "random.pt"))
    detector = UltralyticsDetector(tmp_path / "random.pt")
    settings = InferenceSettings(imgsz=160)

    batched = detect_many(detector, frames, settings)
    for image, raw in zip(frames, batched, strict=True):
        alone = detector.detect(image, settings)
        assert raw.class_names == alone.class_names and len(alone.class_names) > 0
        assert np.abs(raw.xyxy - alone.xyxy).max(initial=0.0) <= 1.0


def test_concurrent_cameras_share_one_model_in_fewer_batches(
    cluster: None, config: ObjectsConfig, frames: list[ImageBGR]
) -> None:
    actor = node_model_actor(config, RayOptions())
    again = node_model_actor(config, RayOptions())  # a second camera on the node finds it
    # Three cameras, two frames each, all in flight at once.
    refs = [handle.detect.remote(image) for image in frames for handle in (actor, again)]
    results = ray.get(refs, timeout=60)

    assert len(results) == 6 and all(len(raw.class_names) > 0 for raw in results)
    counts = ray.get(actor.counts.remote())
    assert counts.requests == 6
    assert counts.batches < counts.requests
    assert counts.largest_batch >= 2
    assert counts.model_loads == 1
    # The driver's live table shows the same figures per node.
    node = ray.get_runtime_context().get_node_id()
    name = model_actor_name(node, config).removeprefix(ACTOR_PREFIX)
    assert model_counts()[name] == counts
    caption = RayBackend().caption()  # what the driver's live table shows
    assert caption is not None and f"node {node[:8]}: 6 frames in" in caption
    line = counts_line({name: counts})
    assert line == f"shared models: node {node[:8]}: 6 frames in {counts.batches} batches " + (
        f"(up to {counts.largest_batch})"
    )


def test_the_proxy_finds_what_the_local_analyzer_finds(
    cluster: None, config: ObjectsConfig, frames: list[ImageBGR]
) -> None:
    proxy = ObjectsAnalyzer(config, RemoteDetector(node_model_actor(config, RayOptions()), config))
    local = ObjectsAnalyzer(config)
    for index, image in enumerate(frames):
        frame = make_frame(image, index)
        assert_same(proxy.analyze(frame), local.analyze(frame))


def test_the_node_analyzer_gives_what_the_local_analyzer_gives_track_ids_included(
    cluster: None, config: ObjectsConfig, frames: list[ImageBGR]
) -> None:
    tracked = config.model_copy(update={"track": True})
    actor = node_model_actor(tracked, RayOptions())
    cameras = {c: NodeObjectsAnalyzer(actor, tracked, c) for c in ("cam-a", "cam-b")}
    local = {c: ObjectsAnalyzer(tracked) for c in cameras}
    # The same bus, a little further each frame: tracks confirm and keep their ids.
    moving = [np.ascontiguousarray(np.roll(frames[0], 6 * k, axis=1)) for k in range(4)]
    for index, image in enumerate(moving):
        for camera in cameras:  # each camera's tracker is its own, in the actor too
            shared = cameras[camera].analyze(make_frame(image, index))
            alone = local[camera].analyze(make_frame(image, index))
            assert_same(shared, alone)
            assert list(shared.tracker_id) == list(alone.tracker_id)
    assert max(shared.tracker_id) > 0  # tracks were confirmed, not only -1 everywhere
    # A restarted camera starts its tracker afresh, as a restarted local analyzer does.
    again = NodeObjectsAnalyzer(actor, tracked, "cam-a")
    first = again.analyze(make_frame(moving[0], 0))
    assert list(first.tracker_id) == list(
        ObjectsAnalyzer(tracked).analyze(make_frame(moving[0], 0)).tracker_id
    )


def test_a_camera_on_ray_with_a_shared_model_hands_its_objects_to_the_node(
    cluster: None, config: ObjectsConfig, tmp_path: Path
) -> None:
    cameras = write_cameras(tmp_path, BUS_JPG, ["cam-a", "cam-b"])
    text = cameras.read_text(encoding="utf-8").replace("ray: {num_cpus: 0.5}", "ray: {}", 1)
    model = f"analyzers: {{objects: {{model_path: {config.model_path}, track: false}}}}\n"
    cameras.write_text(model + text.replace("ray: {num_cpus: 0.5}", "ray: {shared_model: false}"))
    specs = load_specs(cameras)

    def objects_analyzer(camera_id: str, *, on_ray: bool) -> object:
        analyzers = camera_analyzers(specs[camera_id], on_ray=on_ray)
        found = [a for a in analyzers if a.name == "objects"]
        assert len(found) == 1
        return found[0]

    assert isinstance(objects_analyzer("cam-a", on_ray=True), NodeObjectsAnalyzer)
    assert isinstance(objects_analyzer("cam-a", on_ray=False), ObjectsAnalyzer)
    assert isinstance(objects_analyzer("cam-b", on_ray=True), ObjectsAnalyzer)


def test_stopping_the_engine_ends_the_node_model_actors(
    cluster: None, config: ObjectsConfig
) -> None:
    node_model_actor(config, RayOptions())
    assert any(name.startswith("streetorder-model-") for name in stop_model_actors())


@pytest.mark.parametrize(
    ("device", "model_num_gpus", "node_gpus", "placed"),
    [
        ("cpu", 1.0, 1.0, (0.0, "cpu")),  # a CPU model keeps no GPU from others
        ("auto", 1.0, 1.0, (1.0, "cuda:0")),
        ("cuda", 1.0, 2.0, (1.0, "cuda:0")),
        ("cuda:3", 0.5, 4.0, (0.5, "cuda:0")),  # Ray renumbers the GPUs it gives from 0
        ("auto", 1.0, 0.0, (0.0, "cpu")),  # no GPU on this node: auto runs on the CPU
        ("auto", 0.0, 1.0, (0.0, "cpu")),
        ("cuda", 1.0, 0.0, "device cuda: ray.model_num_gpus is 1 but this node has no GPU"),
        ("cuda:1", 0.0, 2.0, "device cuda:1: ray.model_num_gpus is 0"),
    ],
)
def test_the_node_model_runs_on_the_gpu_ray_gives_it(
    device: str, model_num_gpus: float, node_gpus: float, placed: tuple[float, str] | str
) -> None:
    config = ObjectsConfig(model_path=Path("/models/m.pt"), device=device)
    options = RayOptions(model_num_gpus=model_num_gpus)
    if isinstance(placed, tuple):
        assert model_placement(config, options, node_gpus) == placed
        return
    with pytest.raises(DeviceError) as raised:
        model_placement(config, options, node_gpus)
    assert str(raised.value).startswith(f"/models/m.pt: {placed}")
    assert "\n" not in str(raised.value)


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")
def test_auto_with_model_gpus_on_a_node_without_one_serves_from_the_cpu(
    cluster: None, config: ObjectsConfig, frames: list[ImageBGR]
) -> None:
    auto = config.model_copy(update={"device": "auto"})
    proxy = RemoteDetector(node_model_actor(auto, RayOptions(model_num_gpus=1)), auto)
    assert len(proxy.detect(frames[0], inference_settings(auto)).class_names) > 0


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")
def test_a_camera_asking_for_cuda_on_a_node_without_one_fails_in_one_line(
    cluster: None, config: ObjectsConfig, tmp_path: Path
) -> None:
    cameras = write_cameras(tmp_path, BUS_JPG, ["cam-a"], ray="{model_num_gpus: 1}")
    model = f"analyzers: {{objects: {{model_path: {config.model_path}, device: cuda}}}}\n"
    cameras.write_text(model + cameras.read_text(encoding="utf-8"), encoding="utf-8")
    worker = CameraWorker(load_specs(cameras)["cam-a"], on_ray=True)
    assert worker.join(60)

    status = worker.status()
    assert status.state is WorkerState.FAILED
    assert status.last_error == (
        f"{config.model_path}: device cuda: ray.model_num_gpus is 1 but this node has no GPU "
        "(device: auto runs on the CPU there)"
    )


def test_a_node_model_that_cannot_load_is_one_line_for_the_camera(
    cluster: None, tmp_path: Path
) -> None:
    missing = ObjectsConfig(model_path=tmp_path / "missing.pt", track=False)
    with pytest.raises(ModelError) as raised:
        RemoteDetector(node_model_actor(missing, RayOptions()), missing)
    assert str(raised.value) == (
        f"the node's objects model did not start: {tmp_path / 'missing.pt'}: model file not found"
    )


LEAN_CAMERA = """
import sys
import numpy as np
import ray
from detector.analyzers.objects import ObjectsConfig
from detector.analyzers.objects.classmap import RawDetections
from detector.engine.model_server import ModelServer
from detector.engine.shared_model import NodeObjectsAnalyzer
from detector.engine.worker import CameraWorker
from detector.sources.frames import Frame

class NodeModel:  # the node's loaded model, in the model actor's process
    names = ("person", "car")
    def detect(self, image_bgr, settings):
        box = np.array([[10, 10, 50, 90]], np.float32)
        return RawDetections(box, np.array([0.9], np.float32), ("person",))

ray.init(address="local", num_cpus=1, include_dashboard=False, log_to_driver=False)
config = ObjectsConfig(model_path="yolov5n.pt", track=False)
actor = ray.remote(ModelServer).remote(config, detector=NodeModel())
camera = NodeObjectsAnalyzer(actor, config, "cam-a")
image = np.zeros((120, 160, 3), np.uint8)
for index in range(3):
    frame = Frame("cam-a", index, float(index), 0, None, index == 0, image)
    assert list(camera.analyze(frame).labels) == ["person"]
print(sorted(m for m in ("torch", "ultralytics", "torchvision") if m in sys.modules))
ray.shutdown()
"""


def test_a_camera_using_its_nodes_model_does_not_load_torch() -> None:
    # torch and Ultralytics cost a camera process about 350 MiB (BENCHMARKS.md, Ray engine
    # overhead); with the node's shared model a camera has no use for them. A process of its
    # own: this one has torch loaded already.
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-c", LEAN_CAMERA], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_a_node_with_two_model_actors_serves_each_camera_from_its_own_one(
    cluster: None, config: ObjectsConfig, frames: list[ImageBGR]
) -> None:
    # Each model actor reserves a CPU: free the 2 of this cluster from earlier tests' actors.
    stop_model_actors()
    options = RayOptions(model_actors=2)
    cameras = {
        c: NodeObjectsAnalyzer(node_model_actor(config, options, c), config, c)
        for c in (
            "cam-a",
            "cam-d",  # the other actor: model_actor_index("cam-d", 2) == 1
        )
    }
    for camera in cameras.values():
        assert len(camera.analyze(make_frame(frames[0], 0))) > 0
    counts = model_counts()
    node = ray.get_runtime_context().get_node_id()
    names = [model_actor_name(node, config, i).removeprefix(ACTOR_PREFIX) for i in (0, 1)]
    assert all(counts[name].requests >= 1 for name in names)  # each did its camera's frame
    assert cameras["cam-a"].actor._actor_id != cameras["cam-d"].actor._actor_id
    stop_model_actors()
