"""The initial schema: every table of bot/storage/models.py as it stood when migrations were introduced.

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-27 08:05:40.850974

"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A database made before the migrations existed (the bot created the tables from the models at start) already
    # has some of these tables, exactly as written here: they are kept, with their rows, and the others created.
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if "organisation" not in existing:
        op.create_table('organisation',
            sa.Column('id', sa.Integer(), nullable=False),
            sa.Column('bce', sa.String(length=10), nullable=False),
            sa.Column('name', sa.String(length=200), nullable=False),
            sa.Column('demo', sa.Boolean(), nullable=False),
            sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint('id')
        )
        op.create_index(op.f('ix_organisation_bce'), 'organisation', ['bce'], unique=True)
    if "outbox_mail" not in existing:
        op.create_table('outbox_mail',
            sa.Column('id', sa.Integer(), nullable=False),
            sa.Column('recipient', sa.String(length=254), nullable=False),
            sa.Column('subject', sa.String(length=200), nullable=False),
            sa.Column('body', sa.Text(), nullable=False),
            sa.Column('attachment_name', sa.String(length=200), nullable=True),
            sa.Column('attachment', sa.LargeBinary(), nullable=True),
            sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
            sa.Column('attempts', sa.Integer(), nullable=False),
            sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
            sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
            sa.Column('last_error', sa.String(length=300), nullable=True),
            sa.PrimaryKeyConstraint('id')
        )
        op.create_index(op.f('ix_outbox_mail_next_attempt_at'), 'outbox_mail', ['next_attempt_at'], unique=False)
    if "processed_update" not in existing:
        op.create_table('processed_update',
            sa.Column('update_id', sa.Integer(), autoincrement=False, nullable=False),
            sa.Column('processed_at', sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint('update_id')
        )
        op.create_index(op.f('ix_processed_update_processed_at'), 'processed_update', ['processed_at'], unique=False)
    if "member" not in existing:
        op.create_table('member',
            sa.Column('id', sa.Integer(), nullable=False),
            sa.Column('organisation_id', sa.Integer(), nullable=False),
            sa.Column('channel', sa.String(length=16), nullable=False),
            sa.Column('user_key', sa.String(length=64), nullable=False),
            sa.Column('display_name', sa.String(length=200), nullable=False),
            sa.Column('roles', sa.String(length=100), nullable=False),
            sa.Column('locale', sa.String(length=5), nullable=True),
            sa.Column('email', sa.String(length=254), nullable=True),
            sa.Column('enrolled_at', sa.DateTime(timezone=True), nullable=False),
            sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
            sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ),
            sa.PrimaryKeyConstraint('id'),
            sa.UniqueConstraint('channel', 'user_key')
        )
        op.create_index(op.f('ix_member_organisation_id'), 'member', ['organisation_id'], unique=False)
    if "school" not in existing:
        op.create_table('school',
            sa.Column('id', sa.Integer(), nullable=False),
            sa.Column('organisation_id', sa.Integer(), nullable=False),
            sa.Column('bce', sa.String(length=10), nullable=False),
            sa.Column('community', sa.String(length=3), nullable=False),
            sa.Column('name', sa.String(length=200), nullable=False),
            sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ),
            sa.PrimaryKeyConstraint('id')
        )
        op.create_index(op.f('ix_school_bce'), 'school', ['bce'], unique=True)
        op.create_index(op.f('ix_school_organisation_id'), 'school', ['organisation_id'], unique=False)
    if "dialog" not in existing:
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
    if "invitation" not in existing:
        op.create_table('invitation',
            sa.Column('id', sa.Integer(), nullable=False),
            sa.Column('organisation_id', sa.Integer(), nullable=False),
            sa.Column('code_hash', sa.String(length=64), nullable=False),
            sa.Column('roles', sa.String(length=100), nullable=False),
            sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
            sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
            sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
            sa.Column('used_by', sa.Integer(), nullable=True),
            sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ),
            sa.ForeignKeyConstraint(['used_by'], ['member.id'], ),
            sa.PrimaryKeyConstraint('id')
        )
        op.create_index(op.f('ix_invitation_code_hash'), 'invitation', ['code_hash'], unique=True)
        op.create_index(op.f('ix_invitation_organisation_id'), 'invitation', ['organisation_id'], unique=False)
    if "leave_request" not in existing:
        op.create_table('leave_request',
            sa.Column('id', sa.Integer(), nullable=False),
            sa.Column('ticket', sa.String(length=16), nullable=False),
            sa.Column('organisation_id', sa.Integer(), nullable=False),
            sa.Column('member_id', sa.Integer(), nullable=False),
            sa.Column('dialog_id', sa.Integer(), nullable=True),
            sa.Column('capacity', sa.String(length=3), nullable=False),
            sa.Column('community', sa.String(length=3), nullable=True),
            sa.Column('school_bce', sa.String(length=10), nullable=True),
            sa.Column('niss', sa.String(length=11), nullable=False),
            sa.Column('last_name', sa.String(length=60), nullable=False),
            sa.Column('first_name', sa.String(length=60), nullable=False),
            sa.Column('staff_status', sa.String(length=12), nullable=False),
            sa.Column('email', sa.String(length=254), nullable=True),
            sa.Column('leave_type', sa.String(length=12), nullable=False),
            sa.Column('regime', sa.String(length=8), nullable=False),
            sa.Column('start_date', sa.Date(), nullable=False),
            sa.Column('end_date', sa.Date(), nullable=False),
            sa.Column('hours_before', sa.Integer(), nullable=False),
            sa.Column('fulltime_hours', sa.Integer(), nullable=False),
            sa.Column('notice_date', sa.Date(), nullable=False),
            sa.Column('rtt', sa.Boolean(), nullable=False),
            sa.Column('employer_agreement', sa.Boolean(), nullable=True),
            sa.Column('confirmation_email', sa.Boolean(), nullable=False),
            sa.Column('status', sa.String(length=12), nullable=False),
            sa.Column('office', sa.String(length=40), nullable=True),
            sa.Column('filed_at', sa.DateTime(timezone=True), nullable=False),
            sa.ForeignKeyConstraint(['dialog_id'], ['dialog.id'], ),
            sa.ForeignKeyConstraint(['member_id'], ['member.id'], ),
            sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ),
            sa.PrimaryKeyConstraint('id'),
            sa.UniqueConstraint('dialog_id')
        )
        op.create_index(op.f('ix_leave_request_niss'), 'leave_request', ['niss'], unique=False)
        op.create_index(op.f('ix_leave_request_ticket'), 'leave_request', ['ticket'], unique=True)
        op.create_index('ix_request_org_filed', 'leave_request', ['organisation_id', 'filed_at'], unique=False)
    if "attachment" not in existing:
        op.create_table('attachment',
            sa.Column('id', sa.Integer(), nullable=False),
            sa.Column('request_id', sa.Integer(), nullable=False),
            sa.Column('member_id', sa.Integer(), nullable=False),
            sa.Column('filename', sa.String(length=200), nullable=False),
            sa.Column('mime', sa.String(length=60), nullable=False),
            sa.Column('size', sa.Integer(), nullable=False),
            sa.Column('sha256', sa.String(length=64), nullable=False),
            sa.Column('stored_path', sa.String(length=400), nullable=False),
            sa.Column('telegram_file_id', sa.String(length=200), nullable=True),
            sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
            sa.ForeignKeyConstraint(['member_id'], ['member.id'], ),
            sa.ForeignKeyConstraint(['request_id'], ['leave_request.id'], ),
            sa.PrimaryKeyConstraint('id')
        )
        op.create_index(op.f('ix_attachment_request_id'), 'attachment', ['request_id'], unique=False)
    if "audit_entry" not in existing:
        op.create_table('audit_entry',
            sa.Column('id', sa.Integer(), nullable=False),
            sa.Column('organisation_id', sa.Integer(), nullable=False),
            sa.Column('member_id', sa.Integer(), nullable=True),
            sa.Column('action', sa.String(length=20), nullable=False),
            sa.Column('request_id', sa.Integer(), nullable=True),
            sa.Column('detail', sa.String(length=200), nullable=True),
            sa.Column('at', sa.DateTime(timezone=True), nullable=False),
            sa.ForeignKeyConstraint(['member_id'], ['member.id'], ),
            sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ),
            sa.ForeignKeyConstraint(['request_id'], ['leave_request.id'], ),
            sa.PrimaryKeyConstraint('id')
        )
        op.create_index(op.f('ix_audit_entry_request_id'), 'audit_entry', ['request_id'], unique=False)
        op.create_index('ix_audit_org_at', 'audit_entry', ['organisation_id', 'at'], unique=False)
    if "request_event" not in existing:
        op.create_table('request_event',
            sa.Column('id', sa.Integer(), nullable=False),
            sa.Column('request_id', sa.Integer(), nullable=False),
            sa.Column('kind', sa.String(length=12), nullable=False),
            sa.Column('status', sa.String(length=12), nullable=True),
            sa.Column('office', sa.String(length=40), nullable=True),
            sa.Column('changes', sa.Text(), nullable=False),
            sa.Column('member_id', sa.Integer(), nullable=True),
            sa.Column('source', sa.String(length=20), nullable=False),
            sa.Column('effective_date', sa.Date(), nullable=True),
            sa.Column('happened_at', sa.DateTime(timezone=True), nullable=False),
            sa.ForeignKeyConstraint(['member_id'], ['member.id'], ),
            sa.ForeignKeyConstraint(['request_id'], ['leave_request.id'], ),
            sa.PrimaryKeyConstraint('id')
        )
        op.create_index(op.f('ix_request_event_request_id'), 'request_event', ['request_id'], unique=False)
    if "notification" not in existing:
        op.create_table('notification',
            sa.Column('id', sa.Integer(), nullable=False),
            sa.Column('member_id', sa.Integer(), nullable=False),
            sa.Column('request_id', sa.Integer(), nullable=False),
            sa.Column('event_id', sa.Integer(), nullable=False),
            sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
            sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
            sa.Column('failed_at', sa.DateTime(timezone=True), nullable=True),
            sa.Column('error', sa.String(length=200), nullable=True),
            sa.ForeignKeyConstraint(['event_id'], ['request_event.id'], ),
            sa.ForeignKeyConstraint(['member_id'], ['member.id'], ),
            sa.ForeignKeyConstraint(['request_id'], ['leave_request.id'], ),
            sa.PrimaryKeyConstraint('id')
        )
        op.create_index(op.f('ix_notification_member_id'), 'notification', ['member_id'], unique=False)
        op.create_index(op.f('ix_notification_sent_at'), 'notification', ['sent_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_notification_sent_at'), table_name='notification')
    op.drop_index(op.f('ix_notification_member_id'), table_name='notification')
    op.drop_table('notification')
    op.drop_index(op.f('ix_request_event_request_id'), table_name='request_event')
    op.drop_table('request_event')
    op.drop_index('ix_audit_org_at', table_name='audit_entry')
    op.drop_index(op.f('ix_audit_entry_request_id'), table_name='audit_entry')
    op.drop_table('audit_entry')
    op.drop_index(op.f('ix_attachment_request_id'), table_name='attachment')
    op.drop_table('attachment')
    op.drop_index('ix_request_org_filed', table_name='leave_request')
    op.drop_index(op.f('ix_leave_request_ticket'), table_name='leave_request')
    op.drop_index(op.f('ix_leave_request_niss'), table_name='leave_request')
    op.drop_table('leave_request')
    op.drop_index(op.f('ix_invitation_organisation_id'), table_name='invitation')
    op.drop_index(op.f('ix_invitation_code_hash'), table_name='invitation')
    op.drop_table('invitation')
    op.drop_index(op.f('ix_dialog_member_id'), table_name='dialog')
    op.drop_index('ix_dialog_chat_status', table_name='dialog')
    op.drop_table('dialog')
    op.drop_index(op.f('ix_school_organisation_id'), table_name='school')
    op.drop_index(op.f('ix_school_bce'), table_name='school')
    op.drop_table('school')
    op.drop_index(op.f('ix_member_organisation_id'), table_name='member')
    op.drop_table('member')
    op.drop_index(op.f('ix_processed_update_processed_at'), table_name='processed_update')
    op.drop_table('processed_update')
    op.drop_index(op.f('ix_outbox_mail_next_attempt_at'), table_name='outbox_mail')
    op.drop_table('outbox_mail')
    op.drop_index(op.f('ix_organisation_bce'), table_name='organisation')
    op.drop_table('organisation')
