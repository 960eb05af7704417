"""Supervision notices (监督文书) and repeat places (重点督办) through the API: what a printed
notice shows, who may print it, and escalation that raises priority once and is audited."""

from __future__ import annotations

import base64
import io
import re
import tarfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.db.engine import Database
from api.plan.source import NO_PLAN
from api.security.api_keys import issue_key
from tests.api.conftest import NOW, PASSWORD, login
from tests.api.report_seed import add_ticket
from tests.factories import make_clip, make_incident, read_packets, write_test_bundle

INCIDENT_ID = "cam-east-clutter-1"
"""The incident of the ``client`` fixture's ticket."""
SHANGHAI_OFFSET = timedelta(hours=8)


@pytest.fixture(scope="module")
def bundle_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("notice")
    packets = read_packets(make_clip(root / "c.mp4", seconds=1.0, gop_frames=25))
    incident = make_incident(id=INCIDENT_ID, camera="cam-east", raised_s=None, raised_at=NOW)
    return Path(write_test_bundle(root / "bundles", incident, packets).path)


def _upload(client: TestClient, engine: Engine, bundle: Path) -> None:
    database = Database(engine.url.render_as_string(hide_password=False))
    try:
        with database.session() as session:
            key = issue_key(session, "node-east", now=NOW).plain
    finally:
        database.dispose()
    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode="w") as tar:
        for path in sorted(bundle.iterdir()):
            tar.add(path, arcname=path.name)
    url = f"/api/v1/incidents/{INCIDENT_ID}/bundle"
    stored = client.put(url, content=archive.getvalue(), headers={"X-API-Key": key})
    assert stored.status_code == 200, stored.text


def ink_share(pdf: bytes) -> float:
    """The share of page 1's pixels that are not white, rendered at 50 dpi."""
    page = pdfium.PdfDocument(pdf)[0]
    image = page.render(scale=50 / 72).to_pil().convert("L")
    pixels = list(image.getdata())
    return sum(1 for value in pixels if value < 240) / len(pixels)


def _confirm_and_dispatch(client: TestClient, ticket: str, deadline: datetime) -> None:
    wang = login(client, "wang")
    assert client.post(f"/api/v1/tickets/{ticket}/confirm", json={}, headers=wang).is_success
    body = {"squad": "east", "deadline": deadline.isoformat()}
    dispatched = client.post(f"/api/v1/tickets/{ticket}/dispatch", json=body, headers=wang)
    assert dispatched.status_code == 200, dispatched.text


def test_a_confirmed_ticket_s_notice_shows_place_type_rule_deadline_and_snapshot(
    client: tuple[TestClient, str], engine: Engine, bundle_dir: Path
) -> None:
    app, ticket = client
    _upload(app, engine, bundle_dir)
    deadline = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)
    _confirm_and_dispatch(app, ticket, deadline)
    answer = app.get(f"/api/v1/tickets/{ticket}/notice.html", headers=login(app, "li-east"))
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/html")
    page = answer.text
    number = f"督-{(NOW + SHANGHAI_OFFSET).year}-{int(ticket.removeprefix('T-')):06d}"
    local_deadline = (deadline + SHANGHAI_OFFSET).strftime("%Y-%m-%d %H:%M")
    for shown in (number, "XX医院", "hospital-1", "医院", "东中队", "cam-east", "占道堆物"):
        assert shown in page
    assert "《城市市容和环境卫生管理条例》第十四条" in page
    assert local_deadline in page
    embedded = re.search(r'src="data:image/jpeg;base64,([^"]+)"', page)
    assert embedded is not None
    snapshot = (bundle_dir / "snapshot.jpg").read_bytes()
    assert base64.b64decode(embedded.group(1)) == snapshot
    verify = app.get(f"/api/v1/tickets/{ticket}/evidence/verify", headers=login(app, "wang"))
    assert verify.json()["recorded_sha256"] in page

    pdf = app.get(f"/api/v1/tickets/{ticket}/notice.pdf", headers=login(app, "wang"))
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert ink_share(pdf.content) > 0.03  # the heading, the table and the black snapshot


def test_the_ticket_page_links_to_its_notice(client: tuple[TestClient, str]) -> None:
    app, ticket = client
    logged_in = app.post("/api/v1/auth/login", json={"username": "wang", "password": PASSWORD})
    assert logged_in.status_code == 200
    page = app.get(f"/tickets/{ticket}")
    assert page.status_code == 200
    assert f'href="/api/v1/tickets/{ticket}/notice.html"' in page.text
    assert f'href="/api/v1/tickets/{ticket}/notice.pdf"' in page.text


def test_a_ticket_without_a_bundle_prints_no_snapshot_instead_of_failing(
    client: tuple[TestClient, str],
) -> None:
    app, ticket = client
    _confirm_and_dispatch(app, ticket, datetime.now(UTC) + timedelta(days=1))
    page = app.get(f"/api/v1/tickets/{ticket}/notice.html", headers=login(app, "wang")).text
    assert "no snapshot" in page and "data:image/jpeg" not in page


def test_no_notice_before_confirmation_nor_for_another_squad_or_a_stranger(
    client: tuple[TestClient, str], engine: Engine
) -> None:
    app, ticket = client
    wang = login(app, "wang")
    pending = app.get(f"/api/v1/tickets/{ticket}/notice.html", headers=wang)
    assert pending.status_code == 409
    assert "pending_review" in pending.json()["detail"]
    rejected = add_ticket(engine, "cam-east-rejected", NOW, "rejected")
    refused = app.get(f"/api/v1/tickets/{rejected}/notice.pdf", headers=wang)
    assert refused.status_code == 409 and "rejected" in refused.json()["detail"]
    confirmed = add_ticket(engine, "cam-east-confirmed", NOW, "confirmed")
    other_squad = app.get(
        f"/api/v1/tickets/{confirmed}/notice.html", headers=login(app, "zhao-west")
    )
    assert other_squad.status_code == 404
    assert other_squad.json()["detail"] == f"no ticket {confirmed}"
    assert app.get("/api/v1/tickets/T-99999/notice.html", headers=wang).status_code == 404
    assert app.get(f"/api/v1/tickets/{confirmed}/notice.html").status_code == 401
    assert app.get(f"/api/v1/tickets/{confirmed}/notice.doc", headers=wang).status_code == 422


def _repeat_place(engine: Engine) -> list[str]:
    """Three confirmed clutter tickets at hospital-1 within 30 days (one urgent, one
    dispatched), and a closed one long before."""
    now = datetime.now(UTC)
    return [
        add_ticket(engine, "old", now - timedelta(days=90), "closed"),
        add_ticket(engine, "r1", now - timedelta(days=20), "confirmed", priority="urgent"),
        add_ticket(
            engine,
            "r2",
            now - timedelta(days=10),
            "dispatched",
            deadline=now + timedelta(days=2),
            squad="east",
        ),
        add_ticket(engine, "r3", now - timedelta(days=1), "confirmed"),
    ]


def test_repeat_places_are_listed_with_their_tickets_each_squad_its_own(
    plan_client: tuple[TestClient, str], engine: Engine
) -> None:
    app, _ = plan_client
    old, r1, r2, r3 = _repeat_place(engine)
    places = app.get("/api/v1/plan/repeat-places", headers=login(app, "wang")).json()
    assert [(p["key_point"], p["type"], p["count"], p["squad"]) for p in places] == [
        ("hospital-1", "clutter", 3, "east")
    ]
    assert [t["ticket"] for t in places[0]["tickets"]] == [r1, r2, r3]
    assert old not in {p["ticket"] for p in places[0]["problems"]}
    east = app.get("/api/v1/plan/repeat-places", headers=login(app, "li-east")).json()
    assert [p["key_point"] for p in east] == ["hospital-1"]
    assert app.get("/api/v1/plan/repeat-places", headers=login(app, "zhao-west")).json() == []


def test_escalation_raises_open_tickets_to_high_once_and_keeps_urgent(
    plan_client: tuple[TestClient, str], engine: Engine
) -> None:
    app, pending = plan_client
    old, r1, r2, r3 = _repeat_place(engine)
    url = "/api/v1/plan/repeat-places/escalate"
    assert app.post(url, headers=login(app, "li-east")).status_code == 403
    wang = login(app, "wang")
    first = app.post(url, headers=wang)
    assert first.status_code == 200, first.text
    result = first.json()
    # The fixture's pending ticket is at the same place and type: open, so escalated too.
    assert result["places"][0]["escalated"] == [r1, r2, r3, pending]
    assert (result["escalated"], result["unchanged"]) == (4, 0)
    priorities = {}
    for ticket in (old, r1, r2, r3):
        view = app.get(f"/api/v1/tickets/{ticket}", headers=wang).json()
        priorities[ticket] = view["priority"]
    assert priorities == {old: "normal", r1: "urgent", r2: "high", r3: "high"}
    history = app.get(f"/api/v1/tickets/{r3}/history", headers=wang).json()
    escalation = [entry for entry in history if entry["action"] == "escalate"]
    assert len(escalation) == 1 and escalation[0]["actor"] == "wang"

    again = app.post(url, headers=wang).json()
    assert (again["escalated"], again["unchanged"]) == (0, 4)
    history = app.get(f"/api/v1/tickets/{r3}/history", headers=wang).json()
    assert sum(entry["action"] == "escalate" for entry in history) == 1
    # Escalation leaves the life cycle alone: the ticket can still be dispatched.
    body = {"squad": "east", "deadline": (datetime.now(UTC) + timedelta(days=3)).isoformat()}
    assert app.post(f"/api/v1/tickets/{r3}/dispatch", json=body, headers=wang).is_success


def test_the_major_supervision_notice_lists_the_problems_and_the_deadline(
    plan_client: tuple[TestClient, str], engine: Engine
) -> None:
    app, _ = plan_client
    _, r1, r2, r3 = _repeat_place(engine)
    base = "/api/v1/plan/repeat-places/hospital-1/clutter/notice"
    page = app.get(f"{base}.html", headers=login(app, "li-east"))
    assert page.status_code == 200, page.text
    for shown in ("重点督办通知书", "XX医院", "占道堆物", "东中队", r1, r2, r3, "第十四条"):
        assert shown in page.text
    pdf = app.get(f"{base}.pdf", headers=login(app, "wang"))
    assert pdf.content.startswith(b"%PDF") and ink_share(pdf.content) > 0.02
    assert app.get(f"{base}.html", headers=login(app, "zhao-west")).status_code == 404
    other = app.get(
        "/api/v1/plan/repeat-places/hospital-1/stall/notice.html", headers=login(app, "wang")
    )
    assert other.status_code == 404
    assert other.json()["detail"] == (
        "hospital-1/stall is not a repeat place now (3 problems in 30 days)"
    )


def test_without_a_plan_repeat_places_say_how_to_configure_one(
    client: tuple[TestClient, str],
) -> None:
    app, _ = client
    wang = login(app, "wang")
    for method, path in (
        ("GET", "/api/v1/plan/repeat-places"),
        ("POST", "/api/v1/plan/repeat-places/escalate"),
        ("GET", "/api/v1/plan/repeat-places/hospital-1/clutter/notice.html"),
    ):
        answer = app.request(method, path, headers=wang)
        assert (answer.status_code, answer.json()["detail"]) == (404, NO_PLAN)
