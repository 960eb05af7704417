"""camera streams: which watch group runs a registered camera, and how

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27 14:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from api.db.base import UtcDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "camera_stream",
        sa.Column("camera_id", sa.String(length=64), nullable=False),
        sa.Column("group", sa.String(length=64), nullable=False),
        sa.Column("stream", sa.JSON(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["camera_id"], ["camera.id"], name="fk_camera_stream_camera_id_camera"
        ),
        sa.PrimaryKeyConstraint("camera_id", name="pk_camera_stream"),
    )
    op.create_index("ix_camera_stream_group", "camera_stream", ["group"])


def downgrade() -> None:
    op.drop_index("ix_camera_stream_group", table_name="camera_stream")
    op.drop_table("camera_stream")
