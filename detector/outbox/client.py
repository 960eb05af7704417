"""The ticket service's two detector endpoints, and what each answer means for a message."""

from __future__ import annotations

import io
import tarfile
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

import detector
from detector.errors import StreetOrderError
from detector.evidence.manifest import verify_bundle
from detector.outbox.errors import OutboxError
from detector.outbox.messages import BundleRef, MessageKind

INCIDENTS_PATH = "/api/v1/incidents"
DETAIL_CHARS = 200


class Outcome(StrEnum):
    DELIVERED = "delivered"
    """2xx: accepted (created, updated, or already there unchanged)."""
    UNREACHABLE = "unreachable"
    """Nothing to do with this message: no connection, a timeout, a gateway or overload
    answer, a key not (yet) accepted, or an answer this detector does not understand (a
    wrong URL). The whole sender waits and tries again."""
    NOT_YET = "not_yet"
    """This message cannot be taken yet (its camera is not registered, its ticket is not there
    yet, the service failed on it): it waits on its own, the others go on."""
    REFUSED = "refused"
    """Refused for good (invalid, too large, a different bundle already stored): dead."""


@dataclass(frozen=True)
class Answer:
    outcome: Outcome
    detail: str
    """One line: the status and the service's reason, or the transport error."""


RETRY_LATER = frozenset({404, 425})
REFUSED = frozenset({413, 422})


def classify(kind: MessageKind, status_code: int) -> Outcome:
    """What an HTTP status means for a message of ``kind``."""
    if 200 <= status_code < 300:
        return Outcome.DELIVERED
    if status_code in REFUSED:
        return Outcome.REFUSED
    if status_code == 409:
        # An incident in conflict with the ticket's current state may pass later; a bundle in
        # conflict means a different bundle is stored, and resending this one changes nothing.
        return Outcome.REFUSED if kind is MessageKind.BUNDLE else Outcome.NOT_YET
    if status_code in RETRY_LATER or status_code in (500, 501) or status_code >= 505:
        return Outcome.NOT_YET
    return Outcome.UNREACHABLE


def _detail(response: httpx.Response) -> str:
    """``HTTP <status>: <the service's reason>`` on one line."""
    try:
        body = response.json()
        reason = body.get("detail", "") if isinstance(body, dict) else ""
    except ValueError:
        reason = response.text
    text = " ".join(str(reason).split())[:DETAIL_CHARS]
    return f"HTTP {response.status_code}" + (f": {text}" if text else "")


class ServiceError(StreetOrderError):
    """The service could not be reached or refused a call; one line for the person."""

    def __init__(self, message: str, status_code: int | None = None, reason: str = "") -> None:
        super().__init__(message)
        self.status_code = status_code
        self.reason = reason


def node_http(
    base_url: str, api_key: str, timeout_s: float, transport: httpx.BaseTransport | None
) -> httpx.Client:
    """An HTTP client that calls the service as this detector node (its ``X-API-Key``)."""
    return httpx.Client(
        base_url=check_service_url(base_url),
        timeout=httpx.Timeout(timeout_s),
        headers={"X-API-Key": api_key, "User-Agent": f"streetorder/{detector.__version__}"},
        transport=transport,
    )


def call_json(
    http: httpx.Client, method: str, path: str, what: str, *, json: Any = None, **params: str
) -> Any:
    """One call answered with JSON; any failure is a ``ServiceError`` naming ``what``."""
    base_url = str(http.base_url).rstrip("/")
    try:
        response = http.request(method, path, json=json, params=params or None)
    except httpx.HTTPError as exc:
        cause = str(exc) or type(exc).__name__
        raise ServiceError(f"{what}: service unreachable at {base_url} ({cause})") from None
    reason = _detail(response)
    if response.status_code == 401:
        raise ServiceError(f"{what}: the service refused this node's key ({reason})", 401, reason)
    if not 200 <= response.status_code < 300:
        raise ServiceError(f"{what}: {reason}", response.status_code, reason)
    try:
        return response.json()
    except ValueError:
        raise ServiceError(
            f"{what}: {base_url} answered something other than JSON (wrong URL?)"
        ) from None


def bundle_archive(ref: BundleRef) -> bytes:
    """The bundle folder as the tar the service takes (flat file names), checked first against
    the manifest hash recorded when it was written. Raises ``OutboxError`` when it is gone or
    no longer matches."""
    if not ref.path.is_dir():
        raise OutboxError(f"bundle folder vanished: {ref.path}")
    report = verify_bundle(ref.path, ref.manifest_sha256)
    if not report.ok:
        found = [*report.problems, *(f"changed {n}" for n in report.changed)]
        found += [f"missing {n}" for n in report.missing] + [f"added {n}" for n in report.added]
        raise OutboxError(f"bundle {ref.path} changed since it was written: {'; '.join(found)}")
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for path in sorted(p for p in ref.path.iterdir() if p.is_file()):
            tar.add(path, arcname=path.name, recursive=False)
    return buffer.getvalue()


def check_service_url(url: str) -> str:
    """``url`` without a trailing slash; ``OutboxError`` unless it is an http(s) URL."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError as exc:
        raise OutboxError(f"--api: not a URL ({exc}): {url}") from None
    if parts.scheme not in ("http", "https") or not host:
        raise OutboxError(f"--api: expected the service's http(s)://host[:port] URL, got {url!r}")
    if parts.query or parts.fragment:
        raise OutboxError(f"--api: the service URL takes no query or fragment: {url!r}")
    return url.rstrip("/")


class ServiceClient:
    """Posts incidents and uploads bundles with the node's API key; never raises on a failed
    request: every answer, or the lack of one, becomes an ``Answer``."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout_s: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not api_key.strip():
            raise OutboxError("the service needs an API key (--api-key or STREETORDER_API_KEY)")
        self.base_url = check_service_url(base_url)
        self._http = node_http(self.base_url, api_key, timeout_s, transport)

    def close(self) -> None:
        self._http.close()

    def post_incident(self, record_json: str) -> Answer:
        """``record_json``: an ``IncidentRecord`` as JSON, sent byte for byte."""
        headers = {"Content-Type": "application/json"}
        return self._request(MessageKind.INCIDENT, "POST", INCIDENTS_PATH, record_json, headers)

    def put_bundle(self, incident_id: str, archive: bytes) -> Answer:
        path = f"{INCIDENTS_PATH}/{quote(incident_id, safe='')}/bundle"
        headers = {"Content-Type": "application/x-tar"}
        return self._request(MessageKind.BUNDLE, "PUT", path, archive, headers)

    def put_camera_report(self, camera_id: str, report_json: str) -> str | None:
        """A camera's health report; None when the service kept it, else why not (one line)."""
        path = f"/api/v1/cameras/{quote(camera_id, safe='')}/health"
        try:
            response = self._http.put(
                path, content=report_json, headers={"Content-Type": "application/json"}
            )
        except httpx.HTTPError as exc:
            return f"{self.base_url}: {str(exc) or type(exc).__name__}"
        if response.is_success:
            return None
        return _detail(response)

    def camera_streams(self, group: str) -> Any:
        """The streams the service assigns to ``group`` (JSON); ``ServiceError`` if it cannot
        say."""
        return call_json(
            self._http, "GET", "/api/v1/cameras/streams", f"streams of group {group!r}", group=group
        )

    def _request(
        self, kind: MessageKind, method: str, path: str, body: str | bytes, headers: dict[str, str]
    ) -> Answer:
        try:
            response = self._http.request(method, path, content=body, headers=headers)
        except httpx.HTTPError as exc:
            cause = str(exc) or type(exc).__name__
            return Answer(Outcome.UNREACHABLE, f"{self.base_url}: {cause}")
        return Answer(classify(kind, response.status_code), _detail(response))
