"""camera health reported by detector nodes (the latest per camera)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27 12:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from api.db.base import UtcDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "camera_report",
        sa.Column("camera_id", sa.String(length=64), nullable=False),
        sa.Column("node", sa.String(length=200), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.Column("reported_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["camera_id"], ["camera.id"], name="fk_camera_report_camera_id_camera"
        ),
        sa.PrimaryKeyConstraint("camera_id", name="pk_camera_report"),
    )


def downgrade() -> None:
    op.drop_table("camera_report")
