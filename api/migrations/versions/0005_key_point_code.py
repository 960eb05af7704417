"""key point code

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 08:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("key_point", schema=None) as batch_op:
        batch_op.add_column(sa.Column("code", sa.String(length=64), nullable=True))
    # Places registered before codes existed get one from their id; admins may rename them.
    op.execute("UPDATE key_point SET code = 'kp-' || CAST(id AS VARCHAR(20)) WHERE code IS NULL")
    with op.batch_alter_table("key_point", schema=None) as batch_op:
        batch_op.alter_column("code", existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_key_point_code"), ["code"])


def downgrade() -> None:
    with op.batch_alter_table("key_point", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_key_point_code"), type_="unique")
        batch_op.drop_column("code")
