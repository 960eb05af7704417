"""Alembic environment: runs on the connection the app (or a test) hands over."""

from __future__ import annotations

from alembic import context

from api.db import models  # noqa: F401 - registers the tables on the metadata
from api.db.base import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,  # SQLite alters tables by copying them
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
