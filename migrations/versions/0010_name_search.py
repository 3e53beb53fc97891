"""The Mini App's search by name: a name's beginning, last name first or first name first, is a range of one of
these indexes (organisation, the lower-cased name in that order), not a reading of the organisation's every request.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 01:30:00

"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

# Written with PostgreSQL's parentheses, so that comparing the models with a database finds the same text.
NAMES = {"ix_request_org_name": "lower((last_name || ' ') || first_name)",
         "ix_request_org_first_name": "lower((first_name || ' ') || last_name)"}


def upgrade() -> None:
    for name, expression in NAMES.items():
        op.create_index(name, "leave_request", ["organisation_id", sa.text(expression)])


def downgrade() -> None:
    for name in NAMES:
        op.drop_index(name, table_name="leave_request")
