"""Outbox settings (the ``outbox:`` section of a watch file). Service URL and key come from the
command line, so the key is never written into a YAML file."""

from __future__ import annotations

from pydantic import Field, model_validator

from detector.sources.config import StrictModel


class OutboxConfig(StrictModel):
    timeout_s: float = Field(
        30.0,
        gt=0.0,
        le=600.0,
        description="Seconds one request to the ticket service may take (connect, send, answer) "
        "before it counts as failed and is retried.",
    )
    backoff_initial_s: float = Field(
        1.0, gt=0.0, le=60.0, description="First retry delay in seconds after a failed send."
    )
    backoff_max_s: float = Field(
        300.0,
        gt=0.0,
        le=3600.0,
        description="Longest retry delay in seconds; delays double up to it and then stay, "
        "so an outage of any length is retried for as long as it lasts.",
    )
    backoff_jitter: float = Field(
        0.25,
        ge=0.0,
        lt=1.0,
        description="Each delay is scaled by a random factor in 1 ± this, so many detectors "
        "do not retry in lock-step when the service comes back.",
    )
    drain_grace_s: float = Field(
        5.0,
        ge=0.0,
        le=300.0,
        description="On stop, seconds the sender may go on delivering what is due; whatever "
        "is left stays in the spool for the next start.",
    )
    keep_sent_days: float = Field(
        30.0,
        ge=0.0,
        le=3650.0,
        description="Delivered messages stay in the spool this many days (to inspect what "
        "was sent), then they are deleted.",
    )
    report_every_s: float = Field(
        15.0,
        ge=1.0,
        le=3600.0,
        description="Seconds between camera health reports to the service; keep it well under "
        "the service's STREETORDER_CAMERA_STALE_S (120 by default).",
    )

    @model_validator(mode="after")
    def _backoff_order(self) -> OutboxConfig:
        if self.backoff_max_s < self.backoff_initial_s:
            raise ValueError("backoff_max_s must be at least backoff_initial_s")
        return self
