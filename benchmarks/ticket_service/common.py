"""What every step of the ticket-service benchmark shares: the fleet, the running service's
client and figures helpers."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass

import httpx
from sqlalchemy import Engine

USER, PASSWORD = "bench-supervisor", "bench password 1"
TYPES = ("clutter", "stall", "out_of_store", "illegal_ad", "signboard", "green_damage", "sewage")


def log(message: str) -> None:
    sys.stderr.write(f"[bench] {message}\n")
    sys.stderr.flush()


@dataclass(frozen=True)
class Place:
    camera: str
    key_point_id: int
    squad_id: int
    squad_code: str


@dataclass(frozen=True)
class Fleet:
    places: tuple[Place, ...]
    api_key: str


@dataclass(frozen=True)
class Bench:
    """One backend's running service, and what the timed steps need."""

    name: str
    client: httpx.Client
    engine: Engine
    fleet: Fleet
    token: str
    args: argparse.Namespace


def refuse(response: httpx.Response) -> None:
    request = response.request
    raise RuntimeError(
        f"{request.method} {request.url.path}: {response.status_code} {response.text[:300]}"
    )


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))]
