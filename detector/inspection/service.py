"""The ticket service's inspection and look-back endpoints, seen from a detector node.

Unlike the outbox, which retries in the background, these calls answer a person waiting at
the command line: any failure is one ``ServiceError`` line naming the call and the cause.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

import httpx

from detector.inspection.look_back import Outcome
from detector.outbox.client import ServiceError, call_json, check_service_url, node_http
from detector.rules.geometry import BoxXYXY

__all__ = ["CameraPlace", "DueLookBack", "InspectionService", "ServiceError"]


@dataclass(frozen=True)
class DueLookBack:
    """A look-back round the service wants now (``GET /api/v1/look-backs/due``)."""

    ticket: str
    camera: str
    type: str
    box_xyxy: BoxXYXY
    """Source pixels."""
    round: int
    due_at: str
    delay_days: int


@dataclass(frozen=True)
class CameraPlace:
    id: str
    key_point: str
    squad: str


def _box(value: Any) -> BoxXYXY:
    if isinstance(value, dict):
        return (float(value["x1"]), float(value["y1"]), float(value["x2"]), float(value["y2"]))
    x1, y1, x2, y2 = (float(v) for v in value)
    return (x1, y1, x2, y2)


class InspectionService:
    """Calls made with the node's API key; every failure raises ``ServiceError``."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout_s: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not api_key.strip():
            raise ServiceError("--api needs this node's key: --api-key or STREETORDER_API_KEY")
        self.base_url = check_service_url(base_url)
        self._http = node_http(self.base_url, api_key, timeout_s, transport)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> InspectionService:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def check_access(self, key_point: str) -> None:
        """Reach the service with the key before any camera is looked at (a cheap read)."""
        self._call(
            "GET",
            "/api/v1/inspections",
            f"inspections of {key_point}",
            key_point=key_point,
            limit="1",
        )

    def cameras(self) -> list[CameraPlace]:
        """Every registered camera with its key point and squad."""
        rows = self._call("GET", "/api/v1/cameras", "list cameras")
        return [CameraPlace(r["id"], r["key_point"], r["squad"]) for r in rows]

    def due(self, camera_id: str) -> list[DueLookBack]:
        rows = self._call(
            "GET", "/api/v1/look-backs/due", f"look-backs due at {camera_id}", camera=camera_id
        )
        return [
            DueLookBack(
                ticket=r["ticket"],
                camera=r["camera"],
                type=r["type"],
                box_xyxy=_box(r["box_xyxy"]),
                round=int(r["round"]),
                due_at=str(r["due_at"]),
                delay_days=int(r["delay_days"]),
            )
            for r in rows
        ]

    def record_look_back(
        self, due: DueLookBack, outcome: Outcome, checked_at: datetime, note: str
    ) -> dict[str, Any]:
        """The ticket view after the look-back; a resend of the same result answers 200."""
        body = {
            "round": due.round,
            "outcome": outcome.value,
            "checked_at": checked_at.isoformat(),
            "note": note,
        }
        path = f"/api/v1/tickets/{quote(due.ticket, safe='')}/look-back"
        answer: dict[str, Any] = self._call("POST", path, f"look-back {due.ticket}", json=body)
        return answer

    def record_inspection(self, body: dict[str, Any]) -> dict[str, Any]:
        answer: dict[str, Any] = self._call(
            "POST", "/api/v1/inspections", f"inspection of {body['key_point']}", json=body
        )
        return answer

    def _call(self, method: str, path: str, what: str, *, json: Any = None, **params: str) -> Any:
        return call_json(self._http, method, path, what, json=json, **params)
