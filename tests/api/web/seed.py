"""A ticket service with a realistic day in it, for the browser tests and the screenshots.

Two squads, three key points, three cameras; tickets in every state with real evidence
bundles cut from a rendered street clip (so the video plays and the snapshot shows a street).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select, update

from api.db.engine import Database
from api.db.migrate import upgrade
from api.db.models import Ticket
from api.domain import Confirm, Dispatch, Rectify, Reinspect, Reject
from api.domain.places import CameraEntry, KeyPointEntry, PlacesFile, SquadEntry
from api.security.users import Role, add_user
from api.services.places import apply_places
from api.services.tickets import act, ticket_key
from api.settings import ApiSettings
from api.storage import DirectoryStore
from detector.demo.encode import write_video
from detector.demo.service import write_demo_plan
from detector.demo.street import StreetScript, render_frame, render_frames
from detector.evidence.bundle import Provenance, write_bundle
from detector.sources.frames import EncodedPacket
from tests.factories import file_ticket, make_incident, read_packets

PASSWORD = "correct horse battery"
USERS = {
    "wang": (Role.SUPERVISOR, None),
    "root": (Role.ADMIN, None),
    "li-east": (Role.SQUAD_MEMBER, "east"),
    "zhao-west": (Role.SQUAD_MEMBER, "west"),
}
PLACES = PlacesFile(
    squads=(SquadEntry(code="east", name="东街中队"), SquadEntry(code="west", name="西街中队")),
    key_points=(
        KeyPointEntry(code="east-hospital", name="市一医院东门", category="hospital", squad="east"),
        KeyPointEntry(code="east-school", name="实验小学门口", category="school", squad="east"),
        KeyPointEntry(code="west-market", name="西街菜市场", category="market", squad="west"),
    ),
    cameras=(
        CameraEntry(id="cam-east-1", name="医院东门北侧", key_point="east-hospital"),
        CameraEntry(id="cam-east-2", name="小学门口", key_point="east-school"),
        CameraEntry(id="cam-west-1", name="菜市场入口", key_point="west-market"),
    ),
)
SCRIPT = StreetScript(duration_s=6.0, box_put_s=1.0)


@dataclass(frozen=True)
class Planned:
    """One seeded ticket: where, what, how sure, how long ago, and how far it got."""

    key: str
    camera: str
    type: str
    score: float
    hours_ago: float
    fate: str
    """pending, urgent, rejected, dispatched, overdue or closed."""


PLAN = (
    Planned("p1", "cam-east-1", "clutter", 0.62, 1, "pending"),
    Planned("p2", "cam-east-2", "stall", 0.81, 2, "pending"),
    Planned("p3", "cam-east-1", "illegal_ad", 0.55, 3, "urgent"),
    Planned("p4", "cam-west-1", "out_of_store", 0.70, 4, "pending"),
    Planned("d1", "cam-east-2", "clutter", 0.90, 30, "dispatched"),
    Planned("d2", "cam-east-1", "stall", 0.88, 50, "overdue"),
    Planned("r1", "cam-west-1", "stall", 0.52, 26, "rejected"),
    Planned("c1", "cam-east-1", "clutter", 0.93, 80, "closed"),
)


@dataclass(frozen=True)
class Seeded:
    settings: ApiSettings
    tickets: dict[str, str]
    """Plan key → ticket id (``T-n``)."""


def street_packets(folder: Path) -> tuple[list[EncodedPacket], Any]:
    """A 6 s rendered street clip's packets and the frame at 3 s (the incident moment)."""
    clip = folder / "street.mp4"
    write_video(render_frames(SCRIPT), clip, fps=SCRIPT.fps)
    frame = render_frame(SCRIPT, 3 * SCRIPT.fps)
    return read_packets(clip), frame


def seed_service(data_dir: Path, packets: list[EncodedPacket], frame: Any) -> Seeded:
    now = datetime.now(UTC)
    data_dir.mkdir(parents=True, exist_ok=True)
    # The demo's plan (this year's standard targets), so the plan page has something to show.
    settings = ApiSettings(data_dir=data_dir, plan_file=write_demo_plan(data_dir, now))
    database = Database(settings.effective_database_url)
    tickets: dict[str, str] = {}
    try:
        upgrade(database.engine)
        with database.session() as session:
            apply_places(session, PLACES, actor="seed", now=now)
            for name, (role, squad) in USERS.items():
                add_user(session, name, PASSWORD, role, now=now, squad_code=squad)
        store = DirectoryStore(settings.evidence_dir)
        for planned in PLAN:
            tickets[planned.key] = _seed_ticket(database, store, planned, packets, frame, now)
    finally:
        database.dispose()
    return Seeded(settings, tickets)


def _seed_ticket(
    database: Database,
    store: DirectoryStore,
    planned: Planned,
    packets: list[EncodedPacket],
    frame: Any,
    now: datetime,
) -> str:
    raised = now - timedelta(hours=planned.hours_ago)
    incident = make_incident(
        id=f"{planned.camera}-{planned.type}-{planned.key}",
        camera=planned.camera,
        type=planned.type,
        score=planned.score,
        box_xyxy=SCRIPT.box_xyxy,
        raised_s=None,
        raised_at=raised,
        first_seen_at=raised - timedelta(minutes=5),
    )
    bundle = write_bundle(
        store.root.parent / "detector-bundles", incident, frame, packets, Provenance(), 3.0
    )
    row_id = file_ticket(database, store, incident, bundle, actor="node:seed", now=raised)
    _advance(database, row_id, planned.fate, raised, now)
    return ticket_key(row_id)


def _advance(database: Database, row_id: int, fate: str, raised: datetime, now: datetime) -> None:
    def step(action: Any, minutes: float) -> None:
        act(database, row_id, action, actor="wang", now=raised + timedelta(minutes=minutes))

    if fate == "urgent":
        with database.session() as session:
            session.execute(update(Ticket).where(Ticket.id == row_id).values(priority="urgent"))
    if fate == "rejected":
        step(Reject(reason="false_detection", note="影子"), 20)
    if fate in {"dispatched", "overdue", "closed"}:
        step(Confirm(), 15)
        step(Dispatch(squad="east", deadline=now + timedelta(days=1)), 30)
    if fate == "closed":
        act(
            database,
            row_id,
            Rectify(photo_ref="seed/after.jpg", note="已清理"),
            actor="li-east",
            now=raised + timedelta(hours=6),
        )
        step(Reinspect(outcome="pass"), 60 * 24)
    if fate == "overdue":
        _make_overdue(database, row_id, now - timedelta(hours=3))


def _make_overdue(database: Database, row_id: int, deadline: datetime) -> None:
    """Deadlines are refused in the past, so an overdue ticket is made by moving it back."""
    with database.session() as session:
        row = session.scalars(select(Ticket).where(Ticket.id == row_id)).one()
        row.deadline = deadline
        row.state = {**row.state, "deadline": deadline.isoformat()}
