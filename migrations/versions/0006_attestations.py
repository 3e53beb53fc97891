"""ONEM's side adds documents to a request (attestations): an attachment may have no member.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 21:00:00

"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('attachment') as b:
        b.alter_column('member_id', existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    # The schema before had no place for ONEM's documents: their rows go (their files stay in the folder).
    op.execute("DELETE FROM attachment WHERE member_id IS NULL")
    with op.batch_alter_table('attachment') as b:
        b.alter_column('member_id', existing_type=sa.Integer(), nullable=False)
