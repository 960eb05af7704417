from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, inspect, select
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from api.db.migrate import current_revision, head_revision, upgrade
from api.db.models import Camera, KeyPoint, Squad, Ticket

NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)


def test_migrations_bring_the_schema_to_head_and_rerun_as_a_no_op(engine: Engine) -> None:
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    assert {"ticket", "audit_record", "camera", "squad", "key_point", "app_user", "api_key"} <= set(
        inspect(engine).get_table_names()
    )


def place(session: Session) -> Camera:
    squad = Squad(code="squad-1", name="一中队")
    session.add(squad)
    session.flush()
    key_point = KeyPoint(code="school-1", name="XX小学门口", category="school", squad_id=squad.id)
    session.add(key_point)
    session.flush()
    camera = Camera(id="cam-01", name="校门东", key_point_id=key_point.id, squad_id=squad.id)
    session.add(camera)
    session.flush()
    return camera


def ticket(camera: Camera, incident_id: str = "cam-01-clutter-1", raised: datetime = NOW) -> Ticket:
    return Ticket(
        incident_id=incident_id,
        type="clutter",
        camera_id=camera.id,
        key_point_id=camera.key_point_id,
        squad_id=camera.squad_id,
        status="pending_review",
        priority="normal",
        raised_at=raised,
        box_xyxy={"x1": 10, "y1": 20, "x2": 60, "y2": 90},
        score=0.8,
        scores={"static_change": 0.8},
        created_at=raised,
        updated_at=raised,
    )


def test_a_ticket_round_trips_with_utc_times_and_chinese_text(session: Session) -> None:
    camera = place(session)
    session.add(ticket(camera, raised=NOW.astimezone(UTC) + timedelta(hours=0)))
    session.flush()
    session.expire_all()
    stored = session.scalars(select(Ticket)).one()
    assert stored.raised_at == NOW and stored.raised_at.tzinfo is not None
    assert stored.box_xyxy == {"x1": 10, "y1": 20, "x2": 60, "y2": 90}
    assert session.get(Squad, stored.squad_id).name == "一中队"  # type: ignore[union-attr]


def test_one_ticket_per_incident(session: Session) -> None:
    camera = place(session)
    session.add(ticket(camera))
    session.flush()
    session.add(ticket(camera))
    with pytest.raises(IntegrityError):
        session.flush()


def test_naive_times_are_refused(session: Session) -> None:
    camera = place(session)
    session.add(ticket(camera, raised=datetime(2026, 11, 27, 8, 0)))
    with pytest.raises(StatementError, match="naive datetimes are not stored"):
        session.flush()


def test_two_writers_on_one_ticket_cannot_both_win(engine: Engine) -> None:
    with Session(engine) as setup:
        camera = place(setup)
        created = ticket(camera, incident_id="race-1")
        setup.add(created)
        setup.commit()
        ticket_id = created.id
    try:
        with Session(engine) as first, Session(engine) as second:
            a = first.get(Ticket, ticket_id)
            b = second.get(Ticket, ticket_id)
            assert a is not None and b is not None
            a.status = "confirmed"
            first.commit()
            b.status = "rejected"
            with pytest.raises(StaleDataError):
                second.commit()
        with Session(engine) as check:
            final = check.get(Ticket, ticket_id)
            assert final is not None and (final.status, final.version) == ("confirmed", 2)
    finally:
        with Session(engine) as cleanup:
            for model in (Ticket, Camera, KeyPoint, Squad):
                for row in cleanup.scalars(select(model)):
                    cleanup.delete(row)
            cleanup.commit()


def test_the_migrated_schema_matches_the_models(engine: Engine) -> None:
    """Hand-written migrations drift from the models unnoticed unless something compares."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from api.db.base import Base

    upgrade(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": False, "render_as_batch": True}
        )
        differences = compare_metadata(context, Base.metadata)
    assert differences == []
