"""The durable spool: one SQLite file (WAL, synchronous FULL) of messages for the service.

A message is committed to disk before ``enqueue`` returns and is marked sent only after the
service accepted it, so a crash at any point either resends an identical message (which the
service ignores: incidents are idempotent by id, a bundle by its manifest) or loses nothing.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from detector.outbox.errors import OutboxError
from detector.outbox.messages import MessageKind, MessageState, OutboxCounts, OutboxMessage

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
SCHEMA = """
CREATE TABLE IF NOT EXISTS messages (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('incident', 'bundle')),
    incident_id TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'dead')),
    version INTEGER NOT NULL DEFAULT 1,
    attempts INTEGER NOT NULL DEFAULT 0,
    enqueued_at REAL NOT NULL,
    next_attempt_at REAL NOT NULL,
    sent_at REAL,
    last_error TEXT,
    last_error_at REAL
);
CREATE UNIQUE INDEX IF NOT EXISTS one_pending ON messages (incident_id, kind)
    WHERE state = 'pending';
CREATE INDEX IF NOT EXISTS by_state ON messages (state, seq);
"""
COLUMNS = "seq, kind, incident_id, payload, state, version, attempts, next_attempt_at, last_error"
READY = """
    state = 'pending' AND NOT (kind = 'bundle' AND EXISTS (
        SELECT 1 FROM messages AS i
        WHERE i.incident_id = messages.incident_id AND i.kind = 'incident' AND i.state = 'pending'
    ))
"""
"""Pending messages that may go now: a bundle waits while its incident has a pending message."""


def _utc(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def _message(row: tuple[Any, ...]) -> OutboxMessage:
    seq, kind, incident_id, payload, state, version, attempts, next_at, error = row
    return OutboxMessage(
        seq=seq,
        kind=MessageKind(kind),
        incident_id=incident_id,
        payload=payload,
        state=MessageState(state),
        version=version,
        attempts=attempts,
        next_attempt_at=_utc(next_at),
        last_error=error,
    )


class OutboxSpool:
    """Messages for the ticket service in one SQLite file; safe to share between threads.

    Per incident and kind at most one message is pending: a newer state replaces the payload
    of the pending one (only the latest state needs sending), and a state identical to the
    last one delivered is not spooled again.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(
                path, isolation_level=None, check_same_thread=False, timeout=10.0
            )
            self._set_up()
        except (sqlite3.Error, OSError) as exc:
            raise OutboxError(f"{path}: cannot open the outbox spool: {exc}") from None

    def _set_up(self) -> None:
        mode = self._db.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise sqlite3.OperationalError(f"journal mode {mode} instead of WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise sqlite3.DatabaseError(f"spool format {version} is newer than this detector's")
        self._db.executescript(SCHEMA)
        self._db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> OutboxSpool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, on disk when it ends; a failed write is an ``OutboxError``."""
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    yield self._db
                except BaseException:
                    self._db.execute("ROLLBACK")
                    raise
                self._db.execute("COMMIT")
            except sqlite3.Error as exc:
                raise OutboxError(f"{self.path}: cannot write the outbox spool: {exc}") from None

    def enqueue(self, kind: MessageKind, incident_id: str, payload: str, now: datetime) -> bool:
        """Spool ``payload``; False when nothing needed spooling (already pending or sent)."""
        with self._transaction() as db:
            pending = db.execute(
                "SELECT seq, payload FROM messages "
                "WHERE incident_id = ? AND kind = ? AND state = 'pending'",
                (incident_id, kind.value),
            ).fetchone()
            if pending is not None:
                if pending[1] == payload:
                    return False
                db.execute(
                    "UPDATE messages SET payload = ?, version = version + 1 WHERE seq = ?",
                    (payload, pending[0]),
                )
                return True
            last = db.execute(
                "SELECT payload FROM messages WHERE incident_id = ? AND kind = ? AND state = "
                "'sent' ORDER BY seq DESC LIMIT 1",
                (incident_id, kind.value),
            ).fetchone()
            if last is not None and last[0] == payload:
                return False
            db.execute(
                "INSERT INTO messages (kind, incident_id, payload, state, enqueued_at, "
                "next_attempt_at) VALUES (?, ?, ?, 'pending', ?, ?)",
                (kind.value, incident_id, payload, now.timestamp(), now.timestamp()),
            )
            if kind is MessageKind.BUNDLE:
                self._bury_orphan_bundles(db, incident_id, now)
            return True

    def next_due(self, now: datetime) -> OutboxMessage | None:
        """The first message in spool order that may be sent at ``now``."""
        with self._lock:
            row = self._db.execute(
                f"SELECT {COLUMNS} FROM messages WHERE {READY} AND next_attempt_at <= ? "
                "ORDER BY seq LIMIT 1",
                (now.timestamp(),),
            ).fetchone()
        return None if row is None else _message(row)

    def next_attempt_at(self) -> datetime | None:
        """When the earliest message that is not waiting for another one falls due."""
        with self._lock:
            (at,) = self._db.execute(
                f"SELECT MIN(next_attempt_at) FROM messages WHERE {READY}"
            ).fetchone()
        return None if at is None else _utc(at)

    def mark_sent(self, message: OutboxMessage, now: datetime) -> bool:
        """Record that the service accepted ``message``; False when a newer state replaced its
        payload meanwhile (that state stays pending and goes next)."""
        with self._transaction() as db:
            done = db.execute(
                "UPDATE messages SET state = 'sent', sent_at = ? "
                "WHERE seq = ? AND version = ? AND state = 'pending'",
                (now.timestamp(), message.seq, message.version),
            ).rowcount
            if done:
                db.execute(
                    "DELETE FROM messages "
                    "WHERE incident_id = ? AND kind = ? AND state = 'sent' AND seq < ?",
                    (message.incident_id, message.kind.value, message.seq),
                )
        return bool(done)

    def mark_failed(
        self, message: OutboxMessage, error: str, now: datetime, retry_at: datetime | None
    ) -> None:
        """Count a failed attempt; ``retry_at`` (None: unchanged) is when it may go again."""
        retry_s = None if retry_at is None else retry_at.timestamp()
        with self._transaction() as db:
            db.execute(
                "UPDATE messages SET attempts = attempts + 1, last_error = ?, "
                "last_error_at = ?, next_attempt_at = COALESCE(?, next_attempt_at) "
                "WHERE seq = ? AND state = 'pending'",
                (error, now.timestamp(), retry_s, message.seq),
            )

    def mark_dead(self, message: OutboxMessage, reason: str, now: datetime) -> None:
        """Refused for good: kept with ``reason``, never retried; so is its incident's bundle."""
        with self._transaction() as db:
            db.execute(
                "UPDATE messages SET state = 'dead', attempts = attempts + 1, last_error = ?, "
                "last_error_at = ? WHERE seq = ? AND state = 'pending'",
                (reason, now.timestamp(), message.seq),
            )
            if message.kind is MessageKind.INCIDENT:
                self._bury_orphan_bundles(db, message.incident_id, now)

    def _bury_orphan_bundles(self, db: sqlite3.Connection, incident_id: str, now: datetime) -> None:
        """A bundle whose incident was refused could never be stored: it dies with it."""
        latest = db.execute(
            "SELECT state, last_error FROM messages WHERE incident_id = ? AND kind = 'incident' "
            "ORDER BY seq DESC LIMIT 1",
            (incident_id,),
        ).fetchone()
        if latest is None or latest[0] != MessageState.DEAD.value:
            return
        buried = db.execute(
            "UPDATE messages SET state = 'dead', last_error = ?, last_error_at = ? "
            "WHERE incident_id = ? AND kind = 'bundle' AND state = 'pending'",
            (f"its incident was refused: {latest[1]}", now.timestamp(), incident_id),
        ).rowcount
        if buried:
            log.error("outbox: bundle of %s not sent: its incident was refused", incident_id)

    def messages(self, state: MessageState | None = None) -> list[OutboxMessage]:
        """Every message (of ``state``), in spool order."""
        where, args = ("WHERE state = ?", (state.value,)) if state else ("", ())
        with self._lock:
            rows = self._db.execute(
                f"SELECT {COLUMNS} FROM messages {where} ORDER BY seq", args
            ).fetchall()
        return [_message(row) for row in rows]

    def counts(self) -> OutboxCounts:
        with self._lock:
            by_state = dict(
                self._db.execute("SELECT state, COUNT(*) FROM messages GROUP BY state").fetchall()
            )
            error = self._db.execute(
                "SELECT last_error, last_error_at FROM messages WHERE last_error_at IS NOT NULL "
                "ORDER BY last_error_at DESC LIMIT 1"
            ).fetchone()
        return OutboxCounts(
            pending=by_state.get(MessageState.PENDING.value, 0),
            sent=by_state.get(MessageState.SENT.value, 0),
            dead=by_state.get(MessageState.DEAD.value, 0),
            last_error=error[0] if error else None,
            last_error_at=_utc(error[1]) if error else None,
            next_attempt_at=self.next_attempt_at(),
        )

    def prune(self, sent_before: datetime) -> int:
        """Delete messages delivered before ``sent_before``; returns how many."""
        with self._transaction() as db:
            return db.execute(
                "DELETE FROM messages WHERE state = 'sent' AND sent_at < ?",
                (sent_before.timestamp(),),
            ).rowcount
