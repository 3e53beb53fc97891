"""Nothing lost at a stop: the updates and replies a stopping process could not finish are held for the next start,
and a draft remembers the version whose question may not have reached the chat.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 05:40:00

"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("draft", sa.Column("unseen_version", sa.Integer(), nullable=True))
    op.create_table(
        "held_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bot_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=True),
        sa.Column("draft_id", sa.Integer(), nullable=True),
        sa.Column("draft_version", sa.Integer(), nullable=True),
        sa.Column("payload", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_held_item_bot_id"), "held_item", ["bot_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_held_item_bot_id"), table_name="held_item")
    op.drop_table("held_item")
    with op.batch_alter_table("draft") as b:
        b.drop_column("unseen_version")
