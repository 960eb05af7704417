"""Which analyzers a scene needs, built per camera (analyzers keep per-camera state)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from detector.analyzers.base import Analyzer
from detector.analyzers.detections import Detections
from detector.analyzers.objects import ObjectsConfig
from detector.analyzers.static_change import StaticChangeAnalyzer, StaticChangeConfig
from detector.analyzers.text import TextAnalyzer, TextConfig
from detector.rules.geometry import to_pixels
from detector.rules.scene import SceneConfig
from detector.sources.frames import Frame

if TYPE_CHECKING:
    from detector.analyzers.objects import Detector

STILL_OBJECT_TYPES = ("clutter", "stall", "out_of_store", "green_damage")


class AnalyzerSettings(BaseModel):
    """Analyzer settings shared by the cameras of a run."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    static_change: StaticChangeConfig = Field(
        default_factory=StaticChangeConfig, description="Weights-free still-region analysis."
    )
    text: TextConfig = Field(default_factory=TextConfig, description="Poster and text analysis.")
    objects: ObjectsConfig | None = Field(
        None, description="A YOLO model for people, vehicles and stall indicators; none = off."
    )
    facade: ObjectsConfig | None = Field(
        None,
        description="A model trained on facades (models/facades_yolov5n.md) beside the text "
        "analyzer: a poster without text is still found (class map win_ad: illegal_ad) and "
        "text on a shop's sign is not called an ad (signboard: shop_sign); none = off.",
    )


class WallTextAnalyzer:
    """The text analyzer on the scene's wall zones, built at the first frame (zones may be
    fractions of a frame size not known before)."""

    name = "text"

    def __init__(self, scene: SceneConfig, config: TextConfig) -> None:
        self.scene = scene
        self.config = config
        self._inner: TextAnalyzer | None = None
        self._size: tuple[int, int] | None = None

    def analyze(self, frame: Frame) -> Detections:
        if frame.image_bgr is None:
            raise ValueError("the text analyzer needs decoded images")
        height, width = frame.image_bgr.shape[:2]
        if self._inner is None or self._size != (width, height):
            # Zones in fractions follow the frame; a new resolution means new wall pixels.
            self._size = (width, height)
            zones = [
                to_pixels(zone, width, height).polygon
                for zone in self.scene.zones_for("illegal_ad")
            ]
            self._inner = TextAnalyzer(zones, self.config)
        return self._inner.analyze(frame)


def _wanted(scene: SceneConfig, code: str) -> bool:
    return scene.rule(code).enabled and bool(scene.zones_for(code))


def build_analyzers(
    scene: SceneConfig,
    settings: AnalyzerSettings | None = None,
    detector: Detector | None = None,
    *,
    objects_analyzer: Analyzer | None = None,
) -> list[Analyzer]:
    """Fresh analyzers for one camera: only those the scene's enabled rules can use.

    ``detector`` is an objects model already loaded, shared by the cameras of a run so its
    weights sit in memory once; ``objects_analyzer`` replaces the objects analyzer altogether
    (the node's model actor under Ray).
    """
    settings = settings or AnalyzerSettings()
    analyzers: list[Analyzer] = []
    if objects_analyzer is not None:
        analyzers.append(objects_analyzer)
    elif settings.objects is not None:
        from detector.analyzers.objects import ObjectsAnalyzer  # loads torch: only when used

        analyzers.append(ObjectsAnalyzer(settings.objects, detector))
    if any(_wanted(scene, code) for code in STILL_OBJECT_TYPES):
        analyzers.append(StaticChangeAnalyzer(settings.static_change))
    if _wanted(scene, "illegal_ad"):
        analyzers.append(WallTextAnalyzer(scene, settings.text))
        if settings.facade is not None:
            from detector.analyzers.objects import ObjectsAnalyzer

            analyzers.append(ObjectsAnalyzer(settings.facade, name="facade"))
    return analyzers
