"""Drafts and chat screens get tables of their own: the one `dialog` table held drafts, modifications and a per-chat
"panel" whose request in focus was a JSON id beside an ISO string. Answers and history become JSON columns, a
modification names its request by a foreign key, and a chat's screen has typed columns.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 17:40:00

"""
from __future__ import annotations

import datetime as dt
import json

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

OVERVIEW_KEYS = ("types", "forms", "statuses", "from", "to", "ticket", "niss", "page")


def _dialog_table() -> sa.Table:
    return sa.table("dialog", *(sa.column(name) for name in (
        "id", "channel", "chat_key", "member_id", "kind", "state", "answers", "history", "editing", "version",
        "status", "created_at", "updated_at")))


def upgrade() -> None:
    op.create_table('draft',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('channel', sa.String(length=16), nullable=False),
        sa.Column('chat_key', sa.String(length=64), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=False),
        sa.Column('form', sa.String(length=20), nullable=False),
        sa.Column('state', sa.String(length=40), nullable=False),
        sa.Column('answers', sa.JSON(), nullable=False),
        sa.Column('history', sa.JSON(), nullable=False),
        sa.Column('editing', sa.Boolean(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('request_id', sa.Integer(), nullable=True),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['member_id'], ['member.id'], ),
        sa.ForeignKeyConstraint(['request_id'], ['leave_request.id'], name='fk_draft_request_id',
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_draft_chat_status', 'draft', ['channel', 'chat_key', 'status'], unique=False)
    op.create_index(op.f('ix_draft_member_id'), 'draft', ['member_id'], unique=False)
    op.create_index('ux_draft_open_per_chat', 'draft', ['channel', 'chat_key'], unique=True,
                    sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'"))
    op.create_table('chat_screen',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('channel', sa.String(length=16), nullable=False),
        sa.Column('chat_key', sa.String(length=64), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=False),
        sa.Column('overview', sa.JSON(), nullable=False),
        sa.Column('focus_request_id', sa.Integer(), nullable=True),
        sa.Column('focus_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('invite_roles', sa.String(length=100), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['focus_request_id'], ['leave_request.id'], ),
        sa.ForeignKeyConstraint(['member_id'], ['member.id'], ),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('channel', 'chat_key')
    )
    op.create_index(op.f('ix_chat_screen_member_id'), 'chat_screen', ['member_id'], unique=False)

    bind = op.get_bind()
    draft = sa.table("draft", *(sa.column(n) for n in (
        "id", "channel", "chat_key", "member_id", "form", "state", "editing", "version", "request_id", "status",
        "created_at", "updated_at")), sa.column("answers", sa.JSON()), sa.column("history", sa.JSON()))
    screen = sa.table("chat_screen", *(sa.column(n) for n in (
        "channel", "chat_key", "member_id", "focus_request_id", "focus_at", "invite_roles", "updated_at")),
        sa.column("overview", sa.JSON()))
    requests = {row.id for row in bind.execute(sa.text("SELECT id FROM leave_request"))}
    drafts, screens = [], []
    for row in bind.execute(sa.select(_dialog_table()).order_by(sa.text("id"))):
        answers, history = json.loads(row.answers or "{}"), json.loads(row.history or "[]")
        if row.kind == "panel":
            focus = answers.get("focus") if answers.get("focus") in requests else None
            screens.append(dict(
                channel=row.channel, chat_key=row.chat_key, member_id=row.member_id, focus_request_id=focus,
                focus_at=dt.datetime.fromisoformat(answers["focus_at"]) if focus and answers.get("focus_at") else None,
                invite_roles=",".join(answers.get("invite") or []), updated_at=row.updated_at,
                overview={k: answers[k] for k in OVERVIEW_KEYS if k in answers}))
            continue
        request_id = answers.pop("request_id", None) if row.kind == "modify" else None
        drafts.append(dict(id=row.id, channel=row.channel, chat_key=row.chat_key, member_id=row.member_id,
                           form=row.kind, state=row.state, answers=answers, history=history, editing=row.editing,
                           version=row.version, request_id=request_id if request_id in requests else None,
                           status=row.status, created_at=row.created_at, updated_at=row.updated_at))
    if drafts:
        op.bulk_insert(draft, drafts)
    if screens:
        op.bulk_insert(screen, screens)
    if bind.dialect.name == "postgresql" and drafts:  # ids were copied: the sequence goes on after them
        bind.execute(sa.text("SELECT setval(pg_get_serial_sequence('draft', 'id'), (SELECT max(id) FROM draft))"))

    with op.batch_alter_table("leave_request") as b:
        b.add_column(sa.Column('draft_id', sa.Integer(), nullable=True))
    bind.execute(sa.text("UPDATE leave_request SET draft_id = dialog_id"))
    with op.batch_alter_table('leave_request') as b:
        if bind.dialect.name == "postgresql":
            b.drop_constraint('leave_request_dialog_id_key', type_='unique')
            b.drop_constraint('leave_request_dialog_id_fkey', type_='foreignkey')
        b.drop_column('dialog_id')
        b.create_unique_constraint('leave_request_draft_id_key', ['draft_id'])
        b.create_foreign_key('leave_request_draft_id_fkey', 'draft', ['draft_id'], ['id'])
    op.drop_index(op.f('ix_dialog_member_id'), table_name='dialog')
    op.drop_index('ix_dialog_chat_status', table_name='dialog')
    op.drop_table('dialog')
    # Every update writes a row here: an index on the time would cost each one a page write.
    op.drop_index(op.f('ix_processed_update_processed_at'), table_name='processed_update')


def downgrade() -> None:
    op.create_index(op.f('ix_processed_update_processed_at'), 'processed_update', ['processed_at'], unique=False)
    op.create_table('dialog',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('channel', sa.String(length=16), nullable=False),
        sa.Column('chat_key', sa.String(length=64), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('state', sa.String(length=40), nullable=False),
        sa.Column('answers', sa.Text(), nullable=False),
        sa.Column('history', sa.Text(), nullable=False),
        sa.Column('editing', sa.Boolean(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['member_id'], ['member.id'], ),
        sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_dialog_chat_status', 'dialog', ['channel', 'chat_key', 'status'], unique=False)
    op.create_index(op.f('ix_dialog_member_id'), 'dialog', ['member_id'], unique=False)
    bind = op.get_bind()
    rows = []
    for row in bind.execute(sa.text("SELECT * FROM draft ORDER BY id")).mappings():
        answers = row["answers"] if isinstance(row["answers"], dict) else json.loads(row["answers"])
        history = row["history"] if isinstance(row["history"], list) else json.loads(row["history"])
        if row["form"] == "modify" and row["request_id"] is not None:
            answers = answers | {"request_id": row["request_id"]}
        rows.append(dict(id=row["id"], channel=row["channel"], chat_key=row["chat_key"], member_id=row["member_id"],
                         kind=row["form"], state=row["state"], answers=json.dumps(answers), history=json.dumps(history),
                         editing=row["editing"], version=row["version"], status=row["status"],
                         created_at=row["created_at"], updated_at=row["updated_at"]))
    last = max((r["id"] for r in rows), default=0)
    for number, row in enumerate(bind.execute(sa.text("SELECT * FROM chat_screen ORDER BY id")).mappings(), 1):
        overview = row["overview"] if isinstance(row["overview"], dict) else json.loads(row["overview"])
        state = dict(overview, invite=[r for r in row["invite_roles"].split(",") if r])
        if row["focus_request_id"] is not None:
            state |= {"focus": row["focus_request_id"], "focus_at": row["focus_at"].isoformat()
                      if hasattr(row["focus_at"], "isoformat") else str(row["focus_at"])}
        rows.append(dict(id=last + number, channel=row["channel"], chat_key=row["chat_key"],
                         member_id=row["member_id"], kind="panel", state="panel", answers=json.dumps(state),
                         history="[]", editing=False, version=0, status="panel", created_at=row["updated_at"],
                         updated_at=row["updated_at"]))
    if rows:
        op.bulk_insert(_dialog_table(), rows)
    if bind.dialect.name == "postgresql" and rows:
        bind.execute(sa.text("SELECT setval(pg_get_serial_sequence('dialog', 'id'), (SELECT max(id) FROM dialog))"))
    with op.batch_alter_table("leave_request") as b:
        b.add_column(sa.Column('dialog_id', sa.Integer(), nullable=True))
    bind.execute(sa.text("UPDATE leave_request SET dialog_id = draft_id"))
    with op.batch_alter_table('leave_request') as b:
        b.drop_constraint('leave_request_draft_id_key', type_='unique')
        b.drop_constraint('leave_request_draft_id_fkey', type_='foreignkey')
        b.drop_column('draft_id')
        b.create_unique_constraint('leave_request_dialog_id_key', ['dialog_id'])
        b.create_foreign_key('leave_request_dialog_id_fkey', 'dialog', ['dialog_id'], ['id'])
    op.drop_index(op.f('ix_chat_screen_member_id'), table_name='chat_screen')
    op.drop_table('chat_screen')
    op.drop_index('ux_draft_open_per_chat', table_name='draft')
    op.drop_index(op.f('ix_draft_member_id'), table_name='draft')
    op.drop_index('ix_draft_chat_status', table_name='draft')
    op.drop_table('draft')
