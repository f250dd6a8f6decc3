"""Access: refused attempts recorded for the auditor; documents' cost centres and escalations
in the approvals read model.

Revision ID: access_0003
Revises: access_0002
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "access_0003"
down_revision = "access_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "access_refusals",
        sa.Column("position", sa.Integer, primary_key=True),
        sa.Column("recorded_at", sa.String(40), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(80), nullable=False),
        sa.Column("permission", sa.String(80), nullable=False),
        sa.Column("rule", sa.String(2000), nullable=False),
        sa.Column("authenticated", sa.Boolean, nullable=False),
    )

    op.create_table(
        "sod_entered",
        sa.Column("document", sa.String(32), primary_key=True),
        sa.Column("actor", sa.String(200), nullable=False),
    )
    op.create_table(
        "sod_paid_own",
        sa.Column("position", sa.Integer, primary_key=True),
        sa.Column("recorded_at", sa.String(40), nullable=False),
        sa.Column("invoice", sa.String(32), nullable=False),
        sa.Column("payment", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
    )
    with op.batch_alter_table("approval_documents") as batch:
        batch.add_column(
            sa.Column("cost_centres", sa.String(2000), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("escalated_to", sa.String(32)))
        batch.add_column(sa.Column("held", sa.Boolean, nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("approval_documents") as batch:
        batch.drop_column("held")
        batch.drop_column("escalated_to")
        batch.drop_column("cost_centres")
    op.drop_table("sod_paid_own")
    op.drop_table("sod_entered")
    op.drop_table("access_refusals")
