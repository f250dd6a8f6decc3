"""Access: approval workflows, the documents waiting, the steps of each, delegations.

Revision ID: access_0002
Revises: access_0001
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "access_0002"
down_revision = "access_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "approval_workflows",
        sa.Column("document_type", sa.String(32), primary_key=True),
        sa.Column("levels", sa.String(4000), nullable=False),
    )
    op.create_table(
        "approval_documents",
        sa.Column("document_type", sa.String(32), primary_key=True),
        sa.Column("document", sa.String(32), primary_key=True),
        sa.Column("creator", sa.String(200), nullable=False),
        sa.Column("total", sa.String(40), nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("round", sa.Integer, nullable=False),
        sa.Column("approved_levels", sa.Integer, nullable=False),
        sa.Column("waiting_since", sa.String(40), nullable=False),
    )
    op.create_table(
        "approval_steps",
        sa.Column("position", sa.Integer, primary_key=True),
        sa.Column("document_type", sa.String(32), nullable=False),
        sa.Column("document", sa.String(32), nullable=False),
        sa.Column("step", sa.String(32), nullable=False),
        sa.Column("round", sa.Integer, nullable=False),
        sa.Column("level", sa.Integer, nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("on_behalf_of", sa.String(200)),
        sa.Column("reason", sa.String(400), nullable=False),
        sa.Column("recorded_at", sa.String(40), nullable=False),
    )
    op.create_table(
        "approval_delegations",
        sa.Column("position", sa.Integer, primary_key=True),
        sa.Column("delegator", sa.String(32), nullable=False),
        sa.Column("delegate", sa.String(32), nullable=False),
        sa.Column("date_from", sa.Date, nullable=False),
        sa.Column("date_to", sa.Date, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("approval_delegations")
    op.drop_table("approval_steps")
    op.drop_table("approval_documents")
    op.drop_table("approval_workflows")
