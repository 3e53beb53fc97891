"""The e-mail to a worker knows its request, so that its delivery becomes a line of that request's history.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 03:10:00

"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_mail") as b:  # SQLite adds a foreign key by copying the table
        b.add_column(sa.Column("request_id", sa.Integer(), nullable=True))
        b.create_foreign_key("fk_outbox_mail_request_id", "leave_request", ["request_id"], ["id"])
        b.create_index(b.f("ix_outbox_mail_request_id"), ["request_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox_mail") as b:
        b.drop_index(b.f("ix_outbox_mail_request_id"))
        b.drop_constraint("fk_outbox_mail_request_id", type_="foreignkey")
        b.drop_column("request_id")
