"""The stored audit chain on SQLite and PostgreSQL: edits, deletions and swaps are caught."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from api.db.models import AuditRecord as AuditRow
from api.domain.audit import AuditEntry
from api.services import audit_log

T0 = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)


def fill(session: Session, count: int = 4) -> str:
    record = None
    for i in range(count):
        record = audit_log.append(
            session,
            AuditEntry(
                at=T0 + timedelta(minutes=i),
                actor="supervisor-wang",
                action="confirm" if i % 2 else "ingest",
                entity="ticket",
                entity_id=f"T-{i}",
                before=None if i == 0 else {"status": "pending_review"},
                after={"status": "confirmed", "note": "占道堆物 确认"},
            ),
        )
    assert record is not None
    return record.hash


def test_an_untouched_chain_verifies(session: Session) -> None:
    newest = fill(session)
    assert audit_log.verify(session) == []
    assert audit_log.verify(session, anchored_head=newest) == []


def test_a_record_edited_in_the_database_is_caught(session: Session) -> None:
    fill(session)
    session.execute(update(AuditRow).where(AuditRow.seq == 2).values(actor="someone-else"))
    session.expire_all()
    problems = audit_log.verify(session)
    assert [p.seq for p in problems] == [2]


def test_a_deleted_record_is_caught(session: Session) -> None:
    fill(session)
    session.execute(delete(AuditRow).where(AuditRow.seq == 3))
    session.expire_all()
    assert audit_log.verify(session) != []


def test_a_cut_tail_is_caught_only_against_the_anchored_head(session: Session) -> None:
    newest = fill(session)
    session.execute(delete(AuditRow).where(AuditRow.seq == 4))
    session.expire_all()
    assert audit_log.verify(session) == []
    assert audit_log.verify(session, anchored_head=newest) != []


def test_audit_verify_command_exit_codes(tmp_path: object) -> None:
    import subprocess
    import sys
    from pathlib import Path

    from sqlalchemy import create_engine

    from api.db.engine import Database
    from api.db.migrate import upgrade
    from tests.factories import REPO_ROOT

    data_dir = Path(str(tmp_path)) / "service"
    database = Database(f"sqlite:///{data_dir / 'streetorder.db'}")
    upgrade(database.engine)
    with database.session() as session:
        newest = fill(session)
    database.dispose()

    def run(*extra: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "detector.cli.main", "audit", "verify"]
        command += ["--data-dir", str(data_dir), *extra]
        return subprocess.run(command, capture_output=True, text=True, cwd=REPO_ROOT, check=False)

    intact = run("--expect-head", newest)
    assert intact.returncode == 0, intact.stderr
    assert "intact: 4 records" in intact.stdout
    engine = create_engine(f"sqlite:///{data_dir / 'streetorder.db'}")
    with engine.begin() as connection:
        connection.execute(update(AuditRow).where(AuditRow.seq == 1).values(action="reject"))
    engine.dispose()
    tampered = run()
    assert tampered.returncode == 1
    assert "tampered: seq 1" in tampered.stdout
