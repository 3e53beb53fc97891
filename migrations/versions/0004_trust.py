"""Trust: who made each invitation and whether it was cancelled; the organisation a draft was started for; a
request's version (a save based on an older one is refused); an invitation waiting for a decision and an e-mail
address being proved, per chat; when a member's address was proved; the number of an attachment, and Telegram
file ids of any length; processed updates told apart per bot.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 19:30:00

"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('invitation') as b:
        b.add_column(sa.Column('created_by', sa.Integer(), nullable=True))
        b.add_column(sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True))
        b.create_index(b.f('ix_invitation_created_by'), ['created_by'], unique=False)
        b.create_foreign_key('invitation_created_by_fkey', 'member', ['created_by'], ['id'])
    with op.batch_alter_table('draft') as b:
        b.add_column(sa.Column('organisation_id', sa.Integer(), nullable=True))
        b.create_foreign_key('draft_organisation_id_fkey', 'organisation', ['organisation_id'], ['id'])
    op.execute("UPDATE draft SET organisation_id = (SELECT organisation_id FROM member WHERE member.id = "
               "draft.member_id)")
    with op.batch_alter_table('leave_request') as b:
        b.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='0'))
    with op.batch_alter_table('chat_screen') as b:
        b.add_column(sa.Column('pending_invitation_id', sa.Integer(), nullable=True))
        b.add_column(sa.Column('email_pending', sa.String(length=254), nullable=True))
        b.add_column(sa.Column('email_code_hash', sa.String(length=64), nullable=True))
        b.add_column(sa.Column('email_code_sent_at', sa.DateTime(timezone=True), nullable=True))
        b.create_foreign_key('chat_screen_pending_invitation_id_fkey', 'invitation', ['pending_invitation_id'],
                             ['id'])
    with op.batch_alter_table('member') as b:
        b.add_column(sa.Column('email_verified_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('attachment') as b:
        b.add_column(sa.Column('number', sa.Integer(), nullable=False, server_default='0'))
        b.alter_column('telegram_file_id', type_=sa.Text(), existing_type=sa.String(length=200),
                       existing_nullable=True)
    op.execute("UPDATE attachment SET number = (SELECT count(*) FROM attachment AS earlier WHERE "
               "earlier.request_id = attachment.request_id AND earlier.id <= attachment.id)")
    # The defaults only filled the rows that were there: new rows get their values from the bot.
    with op.batch_alter_table('attachment') as b:
        b.alter_column('number', server_default=None, existing_type=sa.Integer(), existing_nullable=False)
    with op.batch_alter_table('leave_request') as b:
        b.alter_column('version', server_default=None, existing_type=sa.Integer(), existing_nullable=False)
    # Processed updates: a week's worth at most, and a bot's own numbering: the old rows are not worth keeping.
    op.drop_table('processed_update')
    op.create_table('processed_update',
        sa.Column('bot_id', sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column('update_id', sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column('processed_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('bot_id', 'update_id')
    )


def downgrade() -> None:
    op.drop_table('processed_update')
    op.create_table('processed_update',
        sa.Column('update_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('processed_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('update_id')
    )
    with op.batch_alter_table('attachment') as b:
        b.alter_column('telegram_file_id', type_=sa.String(length=200), existing_type=sa.Text(),
                       existing_nullable=True)
        b.drop_column('number')
    with op.batch_alter_table('member') as b:
        b.drop_column('email_verified_at')
    with op.batch_alter_table('chat_screen') as b:
        b.drop_constraint('chat_screen_pending_invitation_id_fkey', type_='foreignkey')
        b.drop_column('email_code_sent_at')
        b.drop_column('email_code_hash')
        b.drop_column('email_pending')
        b.drop_column('pending_invitation_id')
    with op.batch_alter_table('leave_request') as b:
        b.drop_column('version')
    with op.batch_alter_table('draft') as b:
        b.drop_constraint('draft_organisation_id_fkey', type_='foreignkey')
        b.drop_column('organisation_id')
    with op.batch_alter_table('invitation') as b:
        b.drop_constraint('invitation_created_by_fkey', type_='foreignkey')
        b.drop_index(b.f('ix_invitation_created_by'))
        b.drop_column('cancelled_at')
        b.drop_column('created_by')
