"""Right by the rules: what kind of employer an organisation is (its own staff's leaves follow from it), the case or
motive of a request, working time in a teacher's periods, who certified a filing or a modification, and schools
typed by any member, to be checked by an access manager.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 23:00:00

"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('organisation') as b:
        b.add_column(sa.Column('employer', sa.String(length=8), nullable=True))
    with op.batch_alter_table('school') as b:
        b.add_column(sa.Column('to_check', sa.Boolean(), nullable=False, server_default=sa.false()))
        b.add_column(sa.Column('added_by', sa.Integer(), nullable=True))
        b.add_column(sa.Column('added_at', sa.DateTime(timezone=True), nullable=True))
        b.add_column(sa.Column('told_at', sa.DateTime(timezone=True), nullable=True))
        b.create_foreign_key('fk_school_added_by_member', 'member', ['added_by'], ['id'])
    with op.batch_alter_table('leave_request') as b:
        b.add_column(sa.Column('motive', sa.String(length=12), nullable=True))
        b.add_column(sa.Column('time_unit', sa.String(length=8), nullable=False, server_default='hours'))
    with op.batch_alter_table('request_event') as b:
        b.add_column(sa.Column('certified_by', sa.Integer(), nullable=True))
        b.create_foreign_key('fk_request_event_certified_by_member', 'member', ['certified_by'], ['id'])
    # Every request filed so far was certified by the member who filed it (filing asked for the box).
    op.execute("UPDATE request_event SET certified_by = member_id WHERE kind = 'filed'")


def downgrade() -> None:
    with op.batch_alter_table('request_event') as b:
        b.drop_constraint('fk_request_event_certified_by_member', type_='foreignkey')
        b.drop_column('certified_by')
    with op.batch_alter_table('leave_request') as b:
        b.drop_column('time_unit')
        b.drop_column('motive')
    with op.batch_alter_table('school') as b:
        b.drop_constraint('fk_school_added_by_member', type_='foreignkey')
        b.drop_column('told_at')
        b.drop_column('added_at')
        b.drop_column('added_by')
        b.drop_column('to_check')
    with op.batch_alter_table('organisation') as b:
        b.drop_column('employer')
