"""Inspections and places committed beside the ``client`` fixture's rows, for plan tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from api.db.models import Inspection, KeyPoint, Squad

AddInspection = Callable[..., int]


def add_key_point(engine: Engine, code: str, squad: str, category: str = "school") -> None:
    with Session(engine) as session, session.begin():
        squad_id = session.scalar(select(Squad.id).where(Squad.code == squad))
        session.add(KeyPoint(code=code, name=f"{code} 点", category=category, squad_id=squad_id))


@pytest.fixture
def add_inspection(engine: Engine, client: object) -> Iterator[AddInspection]:
    """``add_inspection("hospital-1", "street", at, inspector="wang")`` commits one inspection
    counted for the key point's squad; all are deleted before ``client`` purges its rows."""

    def add(key_point: str, kind: str, at: datetime, inspector: str = "li-east") -> int:
        with Session(engine) as session, session.begin():
            point = session.scalars(select(KeyPoint).where(KeyPoint.code == key_point)).one()
            assert point.squad_id is not None
            row = Inspection(
                kind=kind,
                key_point_id=point.id,
                squad_id=point.squad_id,
                inspector=inspector,
                started_at=at,
                ended_at=at + timedelta(minutes=20),
                cameras={"ids": []},
                findings={"incidents": []},
                note="private note",
                recorded_by=inspector,
                created_at=at,
            )
            session.add(row)
            session.flush()
            return row.id

    yield add
    with Session(engine) as session, session.begin():
        session.execute(delete(Inspection))
