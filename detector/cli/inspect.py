"""`streetorder inspect CAMERAS.yaml --key-point CODE --inspector NAME --api URL`: a video
inspection round of one key point: its cameras looked at now, findings sent as incidents,
the inspection recorded with them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from detector.cli.output import console
from detector.errors import StreetOrderError

if TYPE_CHECKING:
    from detector.inspection.service import InspectionService
    from detector.inspection.window import Window
    from detector.outbox import OutboxCounts
    from detector.pipeline.watch import WatchConfig
    from detector.rules.scene import SceneConfig
    from detector.sources.config import CameraConfig

INSPECT_DIR = "inspect"
"""Under the cameras file's ``out``: the inspections' own spool and incident logs, apart from
a ``watch`` that may run on the same file (each rewrites its own incidents.jsonl)."""

ApiOption = Annotated[str, typer.Option(help="Ticket service URL, e.g. http://tickets:8000.")]
ApiKeyOption = Annotated[
    str | None,
    typer.Option(
        envvar="STREETORDER_API_KEY",
        show_default=False,
        help="This node's API key (streetorder keys add); better in the environment.",
    ),
]
SecondsOption = Annotated[
    float,
    typer.Option(
        min=1.0,
        max=3600.0,
        help="How long to look at each camera: a live source's next S seconds, a recording's "
        "first S seconds.",
    ),
]


@dataclass(frozen=True)
class Looked:
    """One camera's part of the round, for the table."""

    camera_id: str
    frames: int = 0
    span_s: float = 0.0
    findings: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    error: str | None = None


def _key_point_cameras(
    service: InspectionService,
    key_point: str,
    named: list[str],
    cameras: list[tuple[CameraConfig, SceneConfig]],
    cameras_file: Path,
) -> list[tuple[CameraConfig, SceneConfig]]:
    """The file's cameras at ``key_point``: those ``named``, else those the service lists
    there (a scene file names only the key point's category, not the key point)."""
    from detector.inspection.service import ServiceError

    service.check_access(key_point)  # a wrong URL or key shows before any camera runs
    if named:
        in_file = {camera.id for camera, _ in cameras}
        missing = [camera_id for camera_id in named if camera_id not in in_file]
        if missing:
            raise StreetOrderError(f"{cameras_file}: no camera {', '.join(missing)} in this file")
        registered = named
    else:
        try:
            registered = [c.id for c in service.cameras() if c.key_point == key_point]
        except ServiceError as exc:
            if exc.status_code not in (401, 403):
                raise
            # The key itself was just accepted: this service lists cameras to people only.
            raise StreetOrderError(
                f"list cameras: this service shows them to people only ({exc.reason}); name "
                "the key point's cameras with --camera"
            ) from None
        if not registered:
            raise StreetOrderError(
                f"--key-point {key_point}: no camera is registered there in the service "
                "(unknown key point, or none of its cameras applied; see streetorder places list)"
            )
    chosen = [(camera, scene) for camera, scene in cameras if camera.id in registered]
    if not chosen:
        raise StreetOrderError(
            f"{cameras_file}: none of key point {key_point}'s cameras "
            f"({', '.join(registered)}) is in this file"
        )
    return chosen


def _looked(camera_id: str, window: Window | StreetOrderError) -> Looked:
    if isinstance(window, StreetOrderError):  # one unreadable camera must not cancel the round
        return Looked(camera_id, error=str(window))
    if window.frames == 0:
        return Looked(camera_id, error=f"camera {camera_id}: no frame could be read")
    return Looked(
        camera_id,
        window.frames,
        window.span_s,
        tuple(i.id for i in window.incidents),
        tuple(i.type for i in window.incidents),
    )


@dataclass(frozen=True)
class ServiceNode:
    """Where findings go: the service URL and this node's key."""

    url: str
    api_key: str


def _round(
    node: ServiceNode,
    config: WatchConfig,
    chosen: list[tuple[CameraConfig, SceneConfig]],
    seconds: float,
) -> tuple[list[Looked], OutboxCounts]:
    """Look at every chosen camera at once; findings go through the inspections' own outbox,
    which gets its grace period to deliver them before the inspection names them."""
    from detector.inspection.window import inspect_camera, look_at_all
    from detector.outbox import SPOOL_NAME, Outbox, ServiceClient

    client = ServiceClient(node.url, node.api_key, timeout_s=config.outbox.timeout_s)
    folder = config.out / INSPECT_DIR
    outbox = Outbox(folder / SPOOL_NAME, client, config.outbox)
    outbox.start()
    looks = {
        cam.id: partial(
            inspect_camera, cam, scene, config.analyzers, folder / cam.id, seconds, outbox
        )
        for cam, scene in chosen
    }
    try:
        windows = look_at_all(looks)
    finally:
        left = outbox.close()
    return [_looked(camera_id, window) for camera_id, window in windows.items()], left


def _table(key_point: str, rows: list[Looked], caption: str | None) -> Table:
    table = Table(title=f"video inspection of {key_point}", caption=caption, caption_justify="left")
    for column in ("camera", "frames", "seconds", "found", "incidents"):
        table.add_column(column, overflow="fold")
    for row in rows:
        found = ", ".join(row.types) or "nothing"
        table.add_row(
            row.camera_id,
            str(row.frames),
            f"{row.span_s:.0f}",
            "[red]unreadable[/red]" if row.error else found,
            "\n".join(row.findings) or "-",
        )
    return table


def _print_problems(rows: list[Looked]) -> None:
    for row in rows:
        if row.error:
            console().print(f"[red]problem:[/red] {row.error}", soft_wrap=True, highlight=False)


def inspect_command(
    cameras_file: Annotated[Path, typer.Argument(help="Cameras YAML, as for watch.")],
    key_point: Annotated[str, typer.Option(help="The key point's code in the service.")],
    inspector: Annotated[str, typer.Option(help="User name of the person inspecting.")],
    api: ApiOption,
    api_key: ApiKeyOption = None,
    seconds: SecondsOption = 60.0,
    camera: Annotated[
        list[str] | None,
        typer.Option(
            "--camera",
            help="A camera of the key point to look at (repeatable); default: the file's "
            "cameras the service lists at the key point.",
        ),
    ] = None,
    note: Annotated[str | None, typer.Option(help="A note kept with the inspection.")] = None,
) -> None:
    """Look at a key point's cameras now; record the inspection with what it found."""
    from detector.inspection.service import InspectionService
    from detector.pipeline.watch import load_watch  # analyzers load OCR and torch

    with InspectionService(api, api_key or "") as service:
        config, cameras = load_watch(cameras_file)
        chosen = _key_point_cameras(service, key_point, camera or [], cameras, cameras_file)
        started_at = datetime.now(UTC)
        node = ServiceNode(api, api_key or "")
        rows, left = _round(node, config, chosen, seconds)
        console().print(
            _table(
                key_point,
                rows,
                f"outbox: {left.pending} pending, {left.sent} sent, {left.dead} dead",
            )
        )
        _print_problems(rows)
        looked = [row for row in rows if row.error is None]
        if not looked:
            raise StreetOrderError(
                f"inspection of {key_point}: no camera could be read; nothing recorded"
            )
        findings = [finding for row in looked for finding in row.findings]
        recorded = service.record_inspection(
            {
                "key_point": key_point,
                "kind": "video",
                "inspector": inspector,
                "started_at": started_at.isoformat(),
                "ended_at": datetime.now(UTC).isoformat(),
                "cameras": [row.camera_id for row in looked],
                "findings": findings,
                "note": note,
            }
        )
    console().print(
        f"inspection {recorded.get('id', '?')} recorded: {key_point} by {inspector}, "
        f"{len(looked)} camera(s), {len(findings)} finding(s)",
        highlight=False,
    )
    if left.pending:
        console().print(
            f"{left.pending} message(s) wait in {config.out / INSPECT_DIR} for the next inspect run"
        )
