"""inspections (street, video, district) counted toward the supervision plan

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 11:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from api.db.base import UtcDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inspection",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("key_point_id", sa.Integer(), nullable=False),
        sa.Column("squad_id", sa.Integer(), nullable=False),
        sa.Column("inspector", sa.String(length=64), nullable=False),
        sa.Column("started_at", UtcDateTime(), nullable=False),
        sa.Column("ended_at", UtcDateTime(), nullable=True),
        sa.Column("cameras", sa.JSON(), server_default="{}", nullable=False),
        sa.Column("findings", sa.JSON(), server_default="{}", nullable=False),
        sa.Column("note", sa.String(length=2000), nullable=True),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["key_point_id"], ["key_point.id"], name="fk_inspection_key_point_id_key_point"
        ),
        sa.ForeignKeyConstraint(["squad_id"], ["squad.id"], name="fk_inspection_squad_id_squad"),
        sa.PrimaryKeyConstraint("id", name="pk_inspection"),
    )
    op.create_index("ix_inspection_squad_started", "inspection", ["squad_id", "started_at"])
    op.create_index("ix_inspection_key_point_started", "inspection", ["key_point_id", "started_at"])


def downgrade() -> None:
    op.drop_index("ix_inspection_key_point_started", table_name="inspection")
    op.drop_index("ix_inspection_squad_started", table_name="inspection")
    op.drop_table("inspection")
