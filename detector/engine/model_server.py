"""One objects model serving every camera of a node: the body of a Ray actor, plain Python."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from detector.analyzers.objects.config import ObjectsConfig
from detector.engine.batch_detect import detect_many
from detector.engine.batcher import MicroBatcher

if TYPE_CHECKING:
    from detector.analyzers.detections import Detections
    from detector.analyzers.objects.analyzer import ObjectsAnalyzer
    from detector.analyzers.objects.backends import Detector
    from detector.analyzers.objects.classmap import RawDetections
    from detector.analyzers.objects.settings import InferenceSettings
    from detector.sources.frames import ImageBGR

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModelCounts:
    """What a node's model actor has served (tests and the live table read it)."""

    requests: int
    batches: int
    largest_batch: int
    model_loads: int


def inference_settings(config: ObjectsConfig) -> InferenceSettings:
    """The settings the local objects analyzer runs ``config`` with."""
    from detector.analyzers.objects.settings import InferenceSettings

    return InferenceSettings(
        imgsz=config.imgsz,
        min_confidence=config.min_confidence,
        iou_threshold=config.iou_threshold,
        max_detections=config.max_detections,
    )


class ModelServer:
    """Loads ``config``'s model once; ``detect`` micro-batches the frames of all callers.

    ``detect`` returns raw detections (the camera applies its class map and tracker);
    ``analyze`` applies them here, per camera, so a camera process needs no torch. ``device``,
    when given, replaces the config's: the device Ray gave the actor (``shared_model``)."""

    def __init__(
        self,
        config: ObjectsConfig,
        *,
        max_batch: int = 8,
        max_wait_ms: float = 10.0,
        detector: Detector | None = None,
        device: str | None = None,
    ) -> None:
        from detector.analyzers.objects.runtime import open_runtime

        self.config = config
        if detector is None:
            opened = config if device is None else config.model_copy(update={"device": device})
            detector = open_runtime(opened)
        self.detector = detector
        self._loads = 1
        self._cameras: dict[str, tuple[str, ObjectsAnalyzer]] = {}
        """Per camera: its run and its class map and tracker, applied here so the camera's
        own process needs neither torch nor Ultralytics."""
        self.settings = inference_settings(config)
        self._batcher: MicroBatcher[ImageBGR, RawDetections] = MicroBatcher(
            self._run, max_batch=max_batch, max_wait_ms=max_wait_ms
        )
        log.info(
            "objects model %s loaded for this node on %s",
            config.model_path,
            device or config.device,
        )

    def names(self) -> tuple[str, ...]:
        return tuple(self.detector.names)

    async def detect(self, image_bgr: ImageBGR) -> RawDetections:
        return await self._batcher.submit(image_bgr)

    async def analyze(self, camera_id: str, instance: str, image_bgr: ImageBGR) -> Detections:
        """One camera's frame through the batched model, then that camera's class map and
        track ids; ``instance`` names the camera's current run, and a new one starts its
        tracker afresh."""
        raw = await self._batcher.submit(image_bgr)
        return self._camera(camera_id, instance).finish(raw)

    def _camera(self, camera_id: str, instance: str) -> ObjectsAnalyzer:
        from detector.analyzers.objects.analyzer import ObjectsAnalyzer

        known = self._cameras.get(camera_id)
        if known is None or known[0] != instance:
            known = (instance, ObjectsAnalyzer(self.config, self.detector))
            self._cameras[camera_id] = known
        return known[1]

    def counts(self) -> ModelCounts:
        batches = self._batcher.counts()
        return ModelCounts(
            requests=batches.requests,
            batches=batches.batches,
            largest_batch=batches.largest_batch,
            model_loads=self._loads,
        )

    def _run(self, images: list[ImageBGR]) -> list[RawDetections]:
        return detect_many(self.detector, images, self.settings)
