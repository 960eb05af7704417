"""`streetorder watch CAMERAS.yaml --engine ray|processes`: the cameras as actors on a Ray
cluster or as processes on this machine, with the same live table as a local watch, built from
the workers' status."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import TYPE_CHECKING

from rich.live import Live
from rich.table import Table

from detector.cli.output import console

if TYPE_CHECKING:
    from detector.engine.engine import CameraEngine
    from detector.engine.service_streams import ServiceStreams
    from detector.engine.status import CameraStatus
    from detector.outbox.camera_reports import CameraReport, CameraReporter

RELOAD_EVERY_S = 2.0
STREAMS_TIMEOUT_S = 5.0


def ray_table(rows: list[CameraStatus], note: str | None = None, *, engine: str = "Ray") -> Table:
    table = Table(title=f"StreetOrder watch ({engine})", caption=note, caption_justify="left")
    columns = ("camera", "node / pid", "state", "since (UTC)", "frames", "incidents")
    for column in (*columns, "outbox", "restarts", "last error"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(
            row.camera_id,
            f"{row.node} / {row.pid}" if row.pid else "-",
            row.state.value,
            f"{row.since_utc:%H:%M:%S}",
            str(row.frames)
            + (f" (+{row.replayed_frames} replayed)" if row.replayed_frames else ""),
            f"{row.raised} raised, {row.ended} ended",
            _outbox_cell(row),
            str(row.restarts),
            row.last_error or "-",
        )
    return table


def _outbox_cell(row: CameraStatus) -> str:
    if not row.outbox:
        return "-"
    return f"{row.outbox_pending} pending, {row.outbox_sent} sent, {row.outbox_dead} dead"


def watch_on_ray(
    cameras_file: Path,
    *,
    address: str | None,
    seconds: float,
    api: str | None,
    api_key: str | None,
    group: str | None = None,
    on_ray: bool = True,
) -> None:
    """Run until Ctrl-C (or ``seconds``); CAMERAS.yaml is re-read when it changes, the
    service's streams of ``group`` every few seconds. Without ``on_ray`` each camera is a
    process of this machine, and Ray is not imported."""
    from detector.engine.cluster import connect, disconnect
    from detector.engine.engine import CameraEngine
    from detector.engine.processes import ProcessBackend

    streams = _service_streams(cameras_file, api, api_key, group)
    if on_ray:
        connect(address)
    try:
        backend = None if on_ray else ProcessBackend()  # None: Ray's
        engine = CameraEngine(
            cameras_file, api_url=api, api_key=api_key, streams=streams, backend=backend
        )
        reporter = None
        rows: list[CameraStatus] = []
        try:
            # Inside the try: cameras started before an interruption are stopped too.
            engine.start()
            reporter = _reporter(engine, api, api_key)
            rows = _live(engine, seconds)
        except KeyboardInterrupt:
            console().print("stopping…")
        finally:
            final = engine.stop()
            engine.latest = final
            if reporter is not None:
                reporter.stop()  # a last round: the cameras now say stopped or finished
    finally:
        if on_ray:
            disconnect()
    by_id = {row.camera_id: row for row in rows} | {row.camera_id: row for row in final}
    console().print(ray_table([by_id[k] for k in sorted(by_id)], engine=engine.backend.label))
    pending = sum(row.outbox_pending for row in final)
    if pending:
        console().print(f"{pending} message(s) wait in the cameras' outboxes for the next start")


def _service_streams(
    cameras_file: Path, api: str | None, api_key: str | None, group: str | None
) -> ServiceStreams | None:
    """Mistakes in the file or the group show before any camera starts or cluster is joined."""
    from detector.engine.service_streams import ServiceStreams
    from detector.engine.specs import load_watch_specs
    from detector.errors import StreetOrderError
    from detector.outbox.client import ServiceClient
    from detector.pipeline.streams import GROUP_PATTERN

    config, specs = load_watch_specs(cameras_file)
    if group is not None and api is None:
        raise StreetOrderError("--group takes cameras from the service: it needs --api")
    if group is not None and not re.fullmatch(GROUP_PATTERN, group):
        raise StreetOrderError(
            f"--group {group!r}: letters, digits and _ . - only, at most 64 characters"
        )
    if group is None:
        if not specs:
            raise StreetOrderError(
                f"{cameras_file}: lists no cameras, and without --api and --group no service "
                "assigns any"
            )
        return None
    # Short: the live table waits while the service is asked.
    client = ServiceClient(api or "", api_key or "", timeout_s=STREAMS_TIMEOUT_S)
    return ServiceStreams(client, group, config.out.resolve())


def _reporter(engine: CameraEngine, api: str | None, api_key: str | None) -> CameraReporter | None:
    """The driver reports every camera's health for the whole cluster (``/cameras``)."""
    if api is None:
        return None
    from detector.engine.reports import report_of_status
    from detector.outbox.camera_reports import CameraReporter
    from detector.outbox.client import ServiceClient

    def collect() -> list[tuple[str, CameraReport]]:
        # Cameras taken out say so once ("stopped") rather than turning stale.
        rows = [*engine.take_retired(), *engine.latest]
        return [(row.camera_id, report_of_status(row)) for row in rows]

    reporter = CameraReporter(ServiceClient(api, api_key or ""), collect)
    reporter.start()
    return reporter


def _live(engine: CameraEngine, seconds: float) -> list[CameraStatus]:
    started = time.monotonic()
    next_reload = started + RELOAD_EVERY_S
    rows = engine.poll()
    label = engine.backend.label
    with Live(ray_table(rows, engine=label), console=console(), refresh_per_second=2) as live:
        while not seconds or time.monotonic() - started < seconds:
            time.sleep(0.5)
            if time.monotonic() >= next_reload:
                engine.reload_if_changed()
                next_reload = time.monotonic() + RELOAD_EVERY_S
            rows = engine.poll()
            live.update(ray_table(rows, engine.note, engine=label))
    return rows
