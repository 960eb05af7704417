"""ticket indexes for the repeat rule and squad date ranges

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 08:40:00
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_ticket_place_type_raised", "ticket", ["key_point_id", "type", "raised_at"])
    op.create_index("ix_ticket_squad_raised", "ticket", ["squad_id", "raised_at"])


def downgrade() -> None:
    op.drop_index("ix_ticket_squad_raised", table_name="ticket")
    op.drop_index("ix_ticket_place_type_raised", table_name="ticket")
