"""Finding (or starting) the objects model actor of this Ray node, and a detector that uses it."""

from __future__ import annotations

import hashlib
import os
import re
import time
import zlib
from typing import TYPE_CHECKING, Any

from detector.analyzers.objects.config import ObjectsConfig
from detector.analyzers.objects.errors import DeviceError, ModelError
from detector.engine.cluster import import_ray
from detector.engine.model_server import ModelCounts, ModelServer, inference_settings
from detector.pipeline.analyzers import build_analyzers

if TYPE_CHECKING:
    from detector.analyzers.base import Analyzer
    from detector.analyzers.detections import Detections
    from detector.analyzers.objects.classmap import RawDetections
    from detector.analyzers.objects.settings import InferenceSettings
    from detector.engine.options import RayOptions
    from detector.engine.specs import WorkerSpec
    from detector.sources.frames import Frame, ImageBGR

ACTOR_PREFIX = "streetorder-model-"
MODEL_CPUS = 1.0
MODEL_ANSWER_S = 300.0
"""A model actor that has not answered a camera in this long will not: the camera fails with
one line rather than show "running" with no frames."""


def model_actor_name(node_id: str, config: ObjectsConfig, index: int = 0) -> str:
    """``streetorder-model-<node id>-<config digest>[-<index>]``: a changed model gets a new
    actor; the second and later actors of a node (``ray.model_actors``) carry their index."""
    digest = hashlib.sha256(config.model_dump_json().encode()).hexdigest()[:8]
    return f"{ACTOR_PREFIX}{node_id}-{digest}" + (f"-{index}" if index else "")


def model_actor_index(camera_id: str, actors: int) -> int:
    """Which of a node's ``actors`` model actors serves the camera: the same one on every
    start (its tracker lives there), spread evenly over many cameras."""
    return zlib.crc32(camera_id.encode()) % actors


def _node_gpus(ray: Any, node_id: str) -> float:
    for node in ray.nodes():
        if node.get("NodeID") == node_id:
            return float(node.get("Resources", {}).get("GPU", 0.0))
    return 0.0


def model_placement(
    config: ObjectsConfig, options: RayOptions, node_gpus: float
) -> tuple[float, str]:
    """GPUs the node's model actor asks for, and the device it runs the model on.

    Ray shows an actor only the GPUs it was given, renumbered from 0 (CUDA_VISIBLE_DEVICES),
    so an actor given GPUs runs on cuda:0 whatever cuda:N the config names, and one given none
    on the CPU. ``device: cuda`` that cannot get a GPU is a ``DeviceError`` for the camera."""
    if config.device == "cpu":
        return 0.0, "cpu"  # a GPU reserved for a CPU model would only keep others off it
    if options.model_num_gpus > 0 and node_gpus > 0:
        return options.model_num_gpus, "cuda:0"
    if config.device == "auto":
        return 0.0, "cpu"
    why = (
        f"ray.model_num_gpus is {options.model_num_gpus:g} but this node has no GPU "
        "(device: auto runs on the CPU there)"
        if options.model_num_gpus > 0
        else "ray.model_num_gpus is 0, so Ray gives the node's model actor no GPU"
    )
    raise DeviceError(f"{config.model_path}: device {config.device}: {why}")


def node_model_actor(config: ObjectsConfig, options: RayOptions, camera_id: str = "") -> Any:
    """The camera's model actor on the node this runs on (one of ``options.model_actors``),
    started by the first camera that asks.

    Detached so that it outlives the camera that happened to start it; ``RayEngine.stop``
    ends it with the cameras (``stop_model_actors``)."""
    ray = import_ray()
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    node_id = ray.get_runtime_context().get_node_id()
    gpus, device = model_placement(config, options, _node_gpus(ray, node_id))
    return (
        ray.remote(ModelServer)
        .options(
            name=model_actor_name(
                node_id, config, model_actor_index(camera_id, options.model_actors)
            ),
            get_if_exists=True,
            lifetime="detached",
            max_restarts=-1,
            max_task_retries=-1,
            num_cpus=MODEL_CPUS,
            num_gpus=gpus,
            scheduling_strategy=NodeAffinitySchedulingStrategy(node_id, soft=False),
        )
        .remote(config, device=device)
    )


def stop_model_actors() -> list[str]:
    """End every node's model actor of this namespace; their names."""
    ray = import_ray()
    from ray.util import list_named_actors

    stopped = []
    for name in list_named_actors():
        if not str(name).startswith(ACTOR_PREFIX):
            continue
        try:
            ray.kill(ray.get_actor(name), no_restart=True)
        except ValueError:  # gone meanwhile
            continue
        stopped.append(str(name))
    return stopped


def model_counts(timeout_s: float = 1.0) -> dict[str, ModelCounts]:
    """What each node's model actor has served, by ``<node id>-<config digest>`` (its name
    without the prefix); actors that do not answer within ``timeout_s`` (restarting, on a lost
    node) are left out."""
    ray = import_ray()
    from ray.util import list_named_actors

    refs = {}
    for name in list_named_actors():
        if str(name).startswith(ACTOR_PREFIX):
            try:
                refs[str(name)] = ray.get_actor(name).counts.remote()
            except ValueError:  # gone meanwhile
                continue
    if not refs:
        return {}
    ready, _ = ray.wait(list(refs.values()), num_returns=len(refs), timeout=timeout_s)
    counts = {}
    for name, ref in refs.items():
        if ref in ready:
            try:
                counts[name.removeprefix(ACTOR_PREFIX)] = ray.get(ref)
            except ray.exceptions.RayError:
                continue
    return counts


def counts_line(counts: dict[str, ModelCounts]) -> str | None:
    """One line for the live table: frames and batches per node model actor."""
    parts = [
        f"node {key[:8]}: {c.requests} frames in {c.batches} batches (up to {c.largest_batch})"
        for key, c in sorted(counts.items())
    ]
    return "shared models: " + "; ".join(parts) if parts else None


def _last_line(traceback: str) -> str:
    """The error a traceback ends with, without its type: the model's own one-line message."""
    lines = [line.strip() for line in traceback.splitlines() if line.strip()]
    last = lines[-1] if lines else "unknown error"
    return re.sub(r"^[\w.]*(Error|Exception): ", "", last)


def _actor_names(ray: Any, actor: Any) -> tuple[str, ...]:
    """The model's class names, asked of the node's model actor; a model that could not load
    there is one line for the camera."""
    try:
        return tuple(ray.get(actor.names.remote(), timeout=MODEL_ANSWER_S))
    except ray.exceptions.GetTimeoutError:
        raise ModelError(
            f"the node's objects model did not answer within {MODEL_ANSWER_S:g} s: it waits for "
            "room on this node (a GPU another watch holds?) or its model is still loading"
        ) from None
    except ray.exceptions.RayActorError as exc:
        if not exc.actor_init_failed:
            raise
        raise ModelError(
            f"the node's objects model did not start: {_last_line(exc.error_msg)}"
        ) from None


class RemoteDetector:
    """The ``Detector`` the objects analyzer calls, answered by the node's model actor."""

    def __init__(self, actor: Any, config: ObjectsConfig) -> None:
        self._ray = import_ray()
        self.actor = actor
        self.settings = inference_settings(config)
        self._names = _actor_names(self._ray, actor)

    @property
    def names(self) -> tuple[str, ...]:
        return self._names

    def detect(self, image_bgr: ImageBGR, settings: InferenceSettings) -> RawDetections:
        if settings != self.settings:
            raise ValueError(f"the shared model runs {self.settings}, asked for {settings}")
        result: RawDetections = self._ray.get(self.actor.detect.remote(image_bgr))
        return result


class NodeObjectsAnalyzer:
    """A camera's objects analyzer whose whole work happens in its node's model actor:
    detection in the node's batches, then this camera's class map and track ids, which the
    actor keeps per camera. The camera's process so loads neither torch nor Ultralytics
    (about 350 MiB each; BENCHMARKS.md, Ray engine overhead)."""

    name = "objects"

    def __init__(self, actor: Any, config: ObjectsConfig, camera_id: str) -> None:
        from detector.analyzers.objects.analyzer import check_class_map

        self._ray = import_ray()
        self.actor = actor
        self.camera_id = camera_id
        self.instance = f"{os.getpid()}-{time.time_ns()}"
        """This run of the camera: a restarted camera starts a fresh tracker in the actor."""
        check_class_map(config, _actor_names(self._ray, actor))

    def analyze(self, frame: Frame) -> Detections:
        if frame.image_bgr is None:
            raise ValueError(
                f"camera {frame.camera_id} frame {frame.index}: the objects analyzer needs "
                "decoded images, got a timestamp-only frame"
            )
        ref = self.actor.analyze.remote(self.camera_id, self.instance, frame.image_bgr)
        detections: Detections = self._ray.get(ref)
        return detections


def shared_detector(config: ObjectsConfig, options: RayOptions) -> RemoteDetector:
    """A detector for one camera, backed by its node's shared model actor."""
    return RemoteDetector(node_model_actor(config, options), config)


def camera_analyzers(spec: WorkerSpec, *, on_ray: bool) -> list[Analyzer]:
    """The camera's analyzers; on Ray, with ``ray.shared_model`` (the default) and an objects
    model configured, the node's model actor does the objects analyzer's work."""
    objects = spec.analyzers.objects
    if on_ray and spec.ray.shared_model and objects is not None:
        actor = node_model_actor(objects, spec.ray, spec.camera_id)
        analyzer = NodeObjectsAnalyzer(actor, objects, spec.camera_id)
        return build_analyzers(spec.scene, spec.analyzers, objects_analyzer=analyzer)
    return build_analyzers(spec.scene, spec.analyzers)
