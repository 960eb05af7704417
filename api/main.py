"""The ticket service's FastAPI application (only its health route so far)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, FastAPI
from pydantic import BaseModel

import detector
from api.settings import ApiSettings


class Health(BaseModel):
    status: str
    version: str


def get_settings() -> ApiSettings:
    return ApiSettings()


def create_app() -> FastAPI:
    """Build the app; nothing is created at import time, so tests get a fresh one each."""
    app = FastAPI(title="StreetOrder ticket service", version=detector.__version__)

    @app.get("/health", response_model=Health)
    def health(settings: Annotated[ApiSettings, Depends(get_settings)]) -> Health:
        return Health(status="ok", version=detector.__version__)

    return app
