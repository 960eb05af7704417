"""Ticket-service settings, read from STREETORDER_* environment variables."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ApiSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="STREETORDER_", extra="forbid")

    data_dir: Path = Field(
        Path("var/service"), description="Where the embedded SQLite file and evidence live."
    )
    database_url: str | None = Field(
        None,
        description="SQLAlchemy URL, e.g. postgresql+psycopg://user@host/db; default: SQLite "
        "in data_dir.",
    )

    max_bundle_bytes: int = Field(
        200 * 1024 * 1024,
        ge=1024,
        le=4 * 1024**3,
        description="Largest evidence bundle upload accepted (HTTP 413 above).",
    )
    max_photo_bytes: int = Field(
        10 * 1024 * 1024,
        ge=1024,
        le=100 * 1024 * 1024,
        description="Largest rectification photo upload accepted (HTTP 413 above).",
    )

    plan_file: Path | None = Field(
        None,
        description="The yearly supervision plan (YAML, see docs/plan-2026.yaml) that the plan "
        "pages, look-backs and reports follow; without one they answer 404.",
    )

    camera_stale_s: int = Field(
        120,
        ge=10,
        le=86_400,
        description="A camera whose node has not reported for this many seconds shows as stale.",
    )

    cookie_secure: bool = Field(
        False,
        description="Send the session cookie over HTTPS only; turn on behind a TLS proxy.",
    )

    @property
    def evidence_dir(self) -> Path:
        return self.data_dir / "evidence"

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'streetorder.db'}"
