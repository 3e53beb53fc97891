"""The e-mails not sent yet and the reminders still in flight get a partial index each: /metrics counts them at
every scrape, which must not read the sent ones (an outbox row holds its attachment).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 03:45:00

"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

OUTBOX_UNSENT = "sent_at IS NULL"
REMINDER_UNSENT = "sent_at IS NULL AND failed_at IS NULL"


def upgrade() -> None:
    op.create_index("ix_outbox_mail_unsent", "outbox_mail", ["created_at"], unique=False,
                    sqlite_where=sa.text(OUTBOX_UNSENT), postgresql_where=sa.text(OUTBOX_UNSENT))
    op.create_index("ix_reminder_unsent", "reminder", ["created_at"], unique=False,
                    sqlite_where=sa.text(REMINDER_UNSENT), postgresql_where=sa.text(REMINDER_UNSENT))


def downgrade() -> None:
    op.drop_index("ix_reminder_unsent", table_name="reminder")
    op.drop_index("ix_outbox_mail_unsent", table_name="outbox_mail")
