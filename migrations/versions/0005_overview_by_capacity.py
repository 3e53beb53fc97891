"""The overview filters by capacity (organising authority, own staff): its count still reads one index.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 20:30:00

"""
from __future__ import annotations

from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

OLD = ["organisation_id", "end_date", "status", "leave_type", "regime", "start_date"]


def upgrade() -> None:
    op.drop_index("ix_request_org_end", table_name="leave_request")
    op.create_index("ix_request_org_end", "leave_request", [*OLD, "capacity"])


def downgrade() -> None:
    op.drop_index("ix_request_org_end", table_name="leave_request")
    op.create_index("ix_request_org_end", "leave_request", OLD)
