"""The demo's ticket service: SQLite in the demo folder, its camera registered, a detector key
and a supervisor to log in with, running in a background thread on 127.0.0.1."""

from __future__ import annotations

import secrets
import shutil
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from detector.errors import StreetOrderError

if TYPE_CHECKING:
    from api.server import ServiceThread
    from detector.outbox import Outbox

DEMO_SQUAD = "demo-squad"
DEMO_KEY_POINT = "demo-school-gate"
DEMO_USER = "demo"


@dataclass(frozen=True)
class DemoService:
    server: ServiceThread
    api_key: str
    """The demo detector node's key (the service keeps only its hash)."""
    username: str
    password: str
    """Random per run; printed for the person trying the demo."""

    @property
    def url(self) -> str:
        return self.server.url


def start_demo_service(data_dir: Path, camera_id: str, camera_name: str, port: int) -> DemoService:
    """A fresh service in ``data_dir`` (an earlier demo's database is removed first)."""
    from api.db.engine import Database
    from api.db.migrate import upgrade
    from api.domain.places import CameraEntry, KeyPointEntry, PlacesFile, SquadEntry
    from api.security.api_keys import issue_key
    from api.security.users import Role, add_user
    from api.server import ServiceThread, free_port, port_is_free
    from api.services.places import apply_places
    from api.settings import ApiSettings

    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    now = datetime.now(UTC)
    settings = ApiSettings(data_dir=data_dir, plan_file=write_demo_plan(data_dir, now))
    password = secrets.token_urlsafe(9)
    places = PlacesFile(
        squads=(SquadEntry(code=DEMO_SQUAD, name="示范中队 (demo squad)"),),
        key_points=(
            KeyPointEntry(
                code=DEMO_KEY_POINT,
                name="示范小学门口 (demo school gate)",
                category="school",
                squad=DEMO_SQUAD,
            ),
        ),
        cameras=(CameraEntry(id=camera_id, name=camera_name, key_point=DEMO_KEY_POINT),),
    )
    database = Database(settings.effective_database_url)
    try:
        upgrade(database.engine)
        with database.session() as session:
            apply_places(session, places, actor="demo", now=now)
            key = issue_key(session, "demo-node", now=now).plain
            add_user(session, DEMO_USER, password, Role.SUPERVISOR, now=now)
    finally:
        database.dispose()
    server = ServiceThread(settings, port=port if port_is_free(port) else free_port())
    server.start()
    return DemoService(server, key, DEMO_USER, password)


def write_demo_plan(data_dir: Path, now: datetime) -> Path:
    """This year's plan with the bureau's standard targets (docs/plan-2026.yaml is the same
    for 2026), so the demo's plan pages always show the current periods."""
    import yaml

    from api.plan.model import Metric, PeriodKind, Plan, Target

    targets = [
        Target(metric=Metric.STREET_INSPECTIONS, period=PeriodKind.WEEK, at_least=2),
        Target(metric=Metric.PROBLEMS_RECTIFIED, period=PeriodKind.MONTH, at_least=16),
        Target(metric=Metric.VIDEO_CHECKS, period=PeriodKind.MONTH, at_least=50),
        Target(metric=Metric.DISTRICT_COVERAGE, period=PeriodKind.MONTH, at_least=1),
    ]
    year = now.astimezone(ZoneInfo("Asia/Shanghai")).year
    plan = Plan(year=year, targets=targets)
    path = data_dir / f"plan-{year}.yaml"
    path.write_text(
        yaml.safe_dump(plan.model_dump(mode="json"), allow_unicode=True, sort_keys=False),
        encoding="utf-8",
    )
    return path


def wait_until_delivered(outbox: Outbox, timeout_s: float) -> None:
    """Block until the outbox has nothing pending; a refused message is an error."""
    deadline = time.monotonic() + timeout_s
    while True:
        counts = outbox.status()
        if counts.dead:
            raise StreetOrderError(f"the demo service refused a message: {counts.last_error}")
        if counts.pending == 0:
            return
        if time.monotonic() > deadline:
            raise StreetOrderError(
                f"{counts.pending} message(s) not delivered in {timeout_s:.0f} s: "
                f"{counts.last_error or 'no answer yet'}"
            )
        time.sleep(0.1)


def ticket_of(service: DemoService, incident_id: str) -> str:
    """The ticket id (``T-n``) the service made of ``incident_id``, asked as the demo user."""
    import httpx

    with httpx.Client(base_url=service.url, timeout=10.0) as http:
        login = http.post(
            "/api/v1/auth/token", json={"username": service.username, "password": service.password}
        )
        login.raise_for_status()
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        listed = http.get("/api/v1/tickets", params={"limit": 200}, headers=headers)
        listed.raise_for_status()
    for ticket in listed.json():
        if ticket["incident_id"] == incident_id:
            return str(ticket["ticket"])
    raise StreetOrderError(f"the service holds no ticket for incident {incident_id}")
