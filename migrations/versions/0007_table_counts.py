"""The Mini App's counts by status: one index range per status (organisation, capacity, status), covering the
overview's other filters, so that counting an organisation's 50,000 requests reads no table row and sorts nothing.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 21:45:00

"""
from __future__ import annotations

from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

COLUMNS = ["organisation_id", "capacity", "status", "end_date", "leave_type", "regime", "start_date"]


def upgrade() -> None:
    op.create_index("ix_request_org_capacity_status", "leave_request", COLUMNS)


def downgrade() -> None:
    op.drop_index("ix_request_org_capacity_status", table_name="leave_request")
