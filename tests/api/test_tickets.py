"""Tickets on SQLite and PostgreSQL: idempotent ingest, life cycle, races, audit."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select

from api.db.engine import Database
from api.db.models import AuditRecord as AuditRow
from api.db.models import Camera, KeyPoint, Squad, Ticket
from api.domain import Confirm, Dispatch, Reject, RejectReason, TicketStatus, TransitionRefusedError
from api.services import audit_log
from api.services.tickets import act, ingest, ingest_committed
from detector.incidents.record import IncidentRecord
from tests.factories import make_incident, purge_service_rows

NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)


@pytest.fixture
def database(engine: Engine) -> Iterator[Database]:
    """A database whose committed rows are removed after the test (the races need commits)."""
    db = Database(str(engine.url.render_as_string(hide_password=False)))
    with db.session() as session:
        squad = Squad(code="squad-1", name="一中队")
        session.add_all([squad, Squad(code="squad-2", name="二中队")])
        session.flush()
        key_point = KeyPoint(
            code="school-1", name="XX小学门口", category="school", squad_id=squad.id
        )
        session.add(key_point)
        session.flush()
        session.add(
            Camera(id="cam-test", name="校门东", key_point_id=key_point.id, squad_id=squad.id)
        )
    try:
        yield db
    finally:
        purge_service_rows(db)
        db.dispose()


def live_incident(incident_id: str = "cam-test-clutter-1", **changes: object) -> IncidentRecord:
    values: dict[str, object] = {"id": incident_id, "raised_s": None, "raised_at": NOW}
    values.update(changes)
    return make_incident(**values)


def test_ingest_is_idempotent_and_updates_on_change(database: Database) -> None:
    with database.session() as session:
        ticket, created = ingest(session, live_incident(), actor="node-1", now=NOW)
        assert created and ticket.status == "pending_review" and ticket.priority == "normal"
    with database.session() as session:
        _, created = ingest(session, live_incident(), actor="node-1", now=NOW)
        assert not created
        ended = live_incident(ended_at=NOW + timedelta(minutes=5))
        ticket, _ = ingest(session, ended, actor="node-1", now=NOW + timedelta(minutes=5))
        assert ticket.ended_at == NOW + timedelta(minutes=5)
    with database.session() as session:
        assert len(session.scalars(select(Ticket)).all()) == 1
        actions = [r.action for r in session.scalars(select(AuditRow).order_by(AuditRow.seq))]
        assert actions == ["ingest", "update"]
        assert audit_log.verify(session) == []


def test_the_third_confirmed_problem_at_a_place_in_30_days_raises_priority(
    database: Database,
) -> None:
    for i in range(3):
        with database.session() as session:
            ticket, _ = ingest(
                session,
                live_incident(f"inc-{i}", raised_at=NOW + timedelta(days=i)),
                actor="node-1",
                now=NOW + timedelta(days=i),
            )
            ticket_id, priority = ticket.id, ticket.priority
        assert priority == "normal"
        act(database, ticket_id, Confirm(), actor="wang", now=NOW + timedelta(days=i, hours=1))
    with database.session() as session:
        fourth, _ = ingest(
            session,
            live_incident("inc-3", raised_at=NOW + timedelta(days=3)),
            actor="node-1",
            now=NOW + timedelta(days=3),
        )
        assert fourth.priority == "high"


def test_life_cycle_through_the_service_with_audit(database: Database) -> None:
    with database.session() as session:
        ticket_id = ingest(session, live_incident(), actor="node-1", now=NOW)[0].id
    act(database, ticket_id, Confirm(), actor="wang", now=NOW)
    state = act(
        database,
        ticket_id,
        Dispatch(squad="squad-2", deadline=NOW + timedelta(days=2)),
        actor="wang",
        now=NOW,
    )
    assert state.status is TicketStatus.DISPATCHED
    with pytest.raises(TransitionRefusedError, match="allowed actions"):
        act(database, ticket_id, Confirm(), actor="li", now=NOW)
    with database.session() as session:
        row = session.get(Ticket, ticket_id)
        assert row is not None
        squad = session.get(Squad, row.squad_id)
        assert (row.status, squad.code if squad else None) == ("dispatched", "squad-2")
        actions = [r.action for r in session.scalars(select(AuditRow).order_by(AuditRow.seq))]
        assert actions == ["ingest", "confirm", "dispatch", "confirm:refused"]
        assert audit_log.verify(session) == []


def test_two_supervisors_at_once_end_in_one_state_and_both_are_audited(database: Database) -> None:
    with database.session() as session:
        created = ingest(session, live_incident(), actor="node-1", now=NOW)[0]
        ticket_id, version = created.id, created.version
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def review(name: str, action: Confirm | Reject) -> None:
        barrier.wait()
        try:
            outcomes[name] = act(database, ticket_id, action, actor=name, now=NOW).status.value
        except TransitionRefusedError:
            outcomes[name] = "refused"

    threads = [
        threading.Thread(target=review, args=("wang", Confirm())),
        threading.Thread(target=review, args=("li", Reject(reason=RejectReason.FALSE_DETECTION))),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes.values()) in (["confirmed", "refused"], ["refused", "rejected"])
    with database.session() as session:
        row = session.get(Ticket, ticket_id)
        assert row is not None and row.status in ("confirmed", "rejected")
        assert row.version == version + 1  # exactly one write won
        actions = sorted(r.action for r in session.scalars(select(AuditRow)))
        assert len(actions) == 3 and "ingest" in actions
        assert any(a.endswith(":refused") for a in actions)
        assert audit_log.verify(session) == []


def test_two_nodes_ingesting_at_once_both_get_their_ticket(database: Database) -> None:
    """Both transactions pick the same next audit seq; the loser is run again, not lost."""
    rounds, failures = 8, []
    for number in range(rounds):
        barrier = threading.Barrier(2)

        def send(node: str, number: int = number, barrier: threading.Barrier = barrier) -> None:
            incident = live_incident(f"cam-test-clutter-{node}-{number}")
            barrier.wait()
            try:
                assert ingest_committed(database, incident, actor=node, now=NOW).created
            except Exception as exc:  # noqa: BLE001 - the test reports any failure of a sender
                failures.append(f"{node} round {number}: {type(exc).__name__}: {exc}")

        threads = [threading.Thread(target=send, args=(node,)) for node in ("node-a", "node-b")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    assert failures == []
    with database.session() as session:
        assert len(session.scalars(select(Ticket)).all()) == 2 * rounds
        assert audit_log.verify(session) == []
