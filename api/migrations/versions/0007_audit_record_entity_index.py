"""audit record index by entity (a ticket's timeline)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 09:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_audit_record_entity", "audit_record", ["entity", "entity_id", "seq"])


def downgrade() -> None:
    op.drop_index("ix_audit_record_entity", table_name="audit_record")
