"""Per-camera settings for `watch --engine ray` (the ``ray:`` key of a camera in CAMERAS.yaml)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints, field_validator

from detector.sources.config import StrictModel

RAY_STEP = 0.0001
"""Ray refuses a resource amount finer than this."""
RAY_OWN_RESOURCES = frozenset({"CPU", "GPU", "memory", "object_store_memory"})
ResourceName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_.:-]{0,63}$")]


class RayOptions(StrictModel):
    """What one camera's actor asks of the cluster; Ray places it on a node that has it."""

    num_cpus: float = Field(
        1.0,
        ge=RAY_STEP,
        le=64.0,
        description="CPUs reserved for the camera's actor (decode, analysis, outbox); "
        "fractions let several light cameras share a core.",
    )
    num_gpus: float = Field(
        0.0, ge=0.0, le=8.0, description="GPUs for a camera that runs an object model."
    )
    memory_mb: float | None = Field(
        None,
        gt=0.0,
        le=1_048_576.0,
        description="Memory reserved for the camera's actor, in MiB (measured: 90 at 320x240, "
        "about 145 at 1080p; BENCHMARKS.md, Ray engine overhead): Ray places it on a node "
        "with that much left unreserved; null: none reserved.",
    )
    resources: dict[ResourceName, Annotated[float, Field(ge=RAY_STEP, le=1_000_000.0)]] = Field(
        default_factory=dict,
        description="Custom Ray resources, e.g. {district_east: 1} to keep a camera near its "
        "recorder (CPUs, GPUs and memory have their own keys).",
    )

    @field_validator("num_gpus", "model_num_gpus")
    @classmethod
    def _none_or_a_step(cls, value: float) -> float:
        if 0.0 < value < RAY_STEP:
            raise ValueError(f"0, or at least {RAY_STEP} (Ray counts no finer)")
        return value

    @field_validator("resources")
    @classmethod
    def _custom_only(cls, value: dict[str, float]) -> dict[str, float]:
        own = sorted(RAY_OWN_RESOURCES & value.keys())
        if own:
            raise ValueError(f"{', '.join(own)}: use num_cpus, num_gpus and memory_mb instead")
        return value

    replay_speed: float | None = Field(
        None,
        gt=0.0,
        le=100.0,
        description="A recording plays at this multiple of its own pace, as a camera would "
        "deliver it; null: as fast as it decodes.",
    )
    shared_model: bool = Field(
        True,
        description="With an objects model configured, the camera sends its frames to its "
        "node's one model actor, which batches the frames of all the node's cameras; "
        "false: the camera loads its own copy.",
    )
    model_num_gpus: float = Field(
        0.0,
        ge=0.0,
        le=8.0,
        description="GPUs the node's shared model actor asks for, on nodes that have GPUs "
        "(the first camera on a node to start it decides).",
    )
    model_actors: int = Field(
        1,
        ge=1,
        le=16,
        description="Model actors per node, each serving the cameras its share of camera ids "
        "falls to: one actor does a frame's letterbox, NMS and tracking one at a time (about "
        "5 ms on a CPU core), so more than about 130 YOLO cameras on a node need more than one "
        "(docs/scaling.md). Each loads the model once.",
    )
    placement: Literal["spread", "pack"] = Field(
        "spread",
        description="spread: cameras go to different nodes, so one node's loss takes few "
        "cameras; pack: Ray's default, which fills a node (to about half its CPUs) before "
        "the next, so its cameras share its model actor.",
    )
