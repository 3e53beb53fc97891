"""Reminders: a member may turn them off, and each one is claimed once per (kind, subject, member), so that two bot
processes never both send it.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 03:00:00

"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('member') as b:
        b.add_column(sa.Column('reminders', sa.Boolean(), nullable=False, server_default=sa.true()))
    op.create_table('reminder',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('subject_id', sa.Integer(), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('failed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('error', sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(['member_id'], ['member.id'], ),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('kind', 'subject_id', 'member_id', name='ux_reminder_once'),
    )
    op.create_index(op.f('ix_reminder_member_id'), 'reminder', ['member_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_reminder_member_id'), table_name='reminder')
    op.drop_table('reminder')
    with op.batch_alter_table('member') as b:
        b.drop_column('reminders')
