"""`streetorder look-back CAMERAS.yaml --api URL`: re-check rectified tickets on their cameras
(回头看) and tell the service, per due round, whether the violation is back."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from detector.cli.inspect import ApiKeyOption, ApiOption, SecondsOption
from detector.cli.output import console
from detector.errors import StreetOrderError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from detector.inspection.look_back import Sighting
    from detector.inspection.service import DueLookBack, InspectionService
    from detector.inspection.window import Window
    from detector.rules.scene import SceneConfig
    from detector.sources.config import CameraConfig

log = logging.getLogger(__name__)

ALREADY_RECORDED = 409
UNKNOWN_CAMERA = 422


@dataclass(frozen=True)
class Checked:
    """One due round: what was seen and what the service was told (or why nothing was)."""

    camera_id: str
    ticket: str = "-"
    type: str = "-"
    round: str = "-"
    seen: str = "-"
    """Frames showing the violation over the ticket's box / frames sampled."""
    overlap: str = "-"
    outcome: str = "-"
    answer: str = "-"
    problem: str | None = None
    """Why this camera or round failed, in full below the table; the run exits 1."""


@dataclass
class CameraRounds:
    """One camera's due rounds: those to judge now, and rows already settled."""

    camera: CameraConfig
    scene: SceneConfig
    ready: list[DueLookBack] = field(default_factory=list)
    rows: list[Checked] = field(default_factory=list)


def _due(service: InspectionService, camera: CameraConfig, scene: SceneConfig) -> CameraRounds:
    from detector.inspection.look_back import blind_spot
    from detector.inspection.service import ServiceError

    rounds = CameraRounds(camera, scene)
    try:
        due = service.due(camera.id)
    except ServiceError as exc:
        if exc.status_code != UNKNOWN_CAMERA:
            raise  # the service, the key or the plan: every camera would fail the same way
        rounds.rows.append(Checked(camera.id, answer="unknown camera", problem=str(exc)))
        return rounds
    if not due:
        rounds.rows.append(Checked(camera.id, answer="nothing due"))
    now = datetime.now(UTC)
    for item in due:
        reason = blind_spot(scene, item.type, now)
        if reason is None:
            rounds.ready.append(item)
        else:
            later = f"later: {reason}"
            rounds.rows.append(
                Checked(camera.id, item.ticket, item.type, str(item.round), answer=later)
            )
    return rounds


def _judge(
    service: InspectionService, rounds: CameraRounds, window: Window | StreetOrderError
) -> list[Checked]:
    camera_id = rounds.camera.id
    if isinstance(window, StreetOrderError):
        return [*rounds.rows, Checked(camera_id, answer="unreadable", problem=str(window))]
    if not window.sightings:
        problem = f"camera {camera_id}: no frame could be read"
        return [*rounds.rows, Checked(camera_id, answer="unreadable", problem=problem)]
    checked_at = datetime.now(UTC)
    judged = [
        _decide_and_send(service, item, window.sightings, checked_at) for item in rounds.ready
    ]
    return rounds.rows + judged


def _decide_and_send(
    service: InspectionService,
    item: DueLookBack,
    sightings: Sequence[Sequence[Sighting]],
    checked_at: datetime,
) -> Checked:
    from detector.inspection.look_back import decide_look_back
    from detector.inspection.service import ServiceError

    decision = decide_look_back(item.type, item.box_xyxy, sightings)
    row = Checked(
        item.camera,
        item.ticket,
        item.type,
        str(item.round),
        f"{decision.frames_seen}/{decision.frames}",
        f"{decision.best_overlap:.2f}",
        decision.outcome.value,
    )
    try:
        view = service.record_look_back(item, decision.outcome, checked_at, decision.note)
    except ServiceError as exc:
        if exc.status_code is None or exc.status_code == 401:
            raise  # the service or the key: the next tickets would fail the same way
        if exc.status_code == ALREADY_RECORDED:
            # Someone recorded this round meanwhile (by hand, or another node): theirs stands.
            log.warning("%s", exc)
            return replace(row, answer="already recorded")
        return replace(row, answer="refused", problem=str(exc))
    return replace(row, answer=str(view.get("status", "?")))


def _table(rows: list[Checked]) -> Table:
    table = Table(title="look-back (回头看)")
    for column in ("camera", "ticket", "type", "round", "seen", "overlap", "outcome", "ticket now"):
        table.add_column(column, overflow="fold")
    for row in rows:
        answer = f"[red]{row.answer}[/red]" if row.problem else row.answer
        cells = (row.camera_id, row.ticket, row.type, row.round, row.seen, row.overlap)
        table.add_row(*cells, row.outcome, answer)
    return table


def look_back_command(
    cameras_file: Annotated[Path, typer.Argument(help="Cameras YAML, as for watch.")],
    api: ApiOption,
    api_key: ApiKeyOption = None,
    seconds: SecondsOption = 60.0,
) -> None:
    """For each camera, the look-backs due now: is the violation back in the ticket's box?
    Exit 1 if a camera could not be read or the service refused a result."""
    from detector.inspection.service import InspectionService
    from detector.inspection.window import look_at_all, observe_camera
    from detector.pipeline.watch import load_watch  # analyzers load OCR and torch

    with InspectionService(api, api_key or "") as service:
        config, cameras = load_watch(cameras_file)
        due = [_due(service, camera, scene) for camera, scene in cameras]
        looks = {
            r.camera.id: partial(observe_camera, r.camera, r.scene, config.analyzers, seconds)
            for r in due
            if r.ready
        }
        windows = look_at_all(looks)
        rows: list[Checked] = []
        for rounds in due:
            window = windows.get(rounds.camera.id)
            rows += rounds.rows if window is None else _judge(service, rounds, window)
    console().print(_table(rows))
    problems = [row.problem for row in rows if row.problem]
    for problem in problems:
        console().print(f"[red]problem:[/red] {problem}", soft_wrap=True, highlight=False)
    if problems:
        raise typer.Exit(1)
