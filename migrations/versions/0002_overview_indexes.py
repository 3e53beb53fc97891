"""Indexes for the overview: its count reads one index, and a worker's requests are found by NISS.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 09:10:00

"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A database the bot created from the models before migrations existed may have them already.
    existing = {index["name"] for index in sa.inspect(op.get_bind()).get_indexes("leave_request")}
    if "ix_request_org_end" not in existing:
        op.create_index("ix_request_org_end", "leave_request",
                        ["organisation_id", "end_date", "status", "leave_type", "regime", "start_date"])
    if "ix_request_org_niss" not in existing:
        op.create_index("ix_request_org_niss", "leave_request", ["organisation_id", "niss"])


def downgrade() -> None:
    op.drop_index("ix_request_org_niss", table_name="leave_request")
    op.drop_index("ix_request_org_end", table_name="leave_request")
