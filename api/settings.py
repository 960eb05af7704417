"""Ticket-service settings, read from STREETORDER_* environment variables."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ApiSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="STREETORDER_", extra="forbid")

    database_url: str = Field(
        "sqlite:///var/streetorder.db",
        description="SQLAlchemy URL; SQLite by default, PostgreSQL in production.",
    )
