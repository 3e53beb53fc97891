"""Spreadsheets of requests: a batch is checked, then filed whole; each of its rows is filed once.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 03:10:00

"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "request_batch",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("organisation_id", sa.Integer(), sa.ForeignKey("organisation.id"), nullable=False),
        sa.Column("member_id", sa.Integer(), sa.ForeignKey("member.id"), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("ready_lines", sa.JSON(), nullable=False),
        sa.Column("certified", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_batch_org_digest", "request_batch", ["organisation_id", "digest"])
    op.create_index("ix_request_batch_member_id", "request_batch", ["member_id"])
    # Added as columns, not by rebuilding the table: SQLite's rebuild would lose the name-search indexes (0010).
    if op.get_bind().dialect.name == "sqlite":  # SQLite adds a column's reference only with the column itself
        op.execute("ALTER TABLE leave_request ADD COLUMN batch_id INTEGER REFERENCES request_batch (id)")
    else:
        op.add_column("leave_request", sa.Column("batch_id", sa.Integer(), nullable=True))
        op.create_foreign_key("fk_leave_request_batch", "leave_request", "request_batch", ["batch_id"], ["id"])
    op.add_column("leave_request", sa.Column("batch_line", sa.Integer(), nullable=True))
    op.create_index("ux_request_batch_line", "leave_request", ["batch_id", "batch_line"], unique=True)


def downgrade() -> None:
    op.drop_index("ux_request_batch_line", table_name="leave_request")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint("fk_leave_request_batch", "leave_request", type_="foreignkey")
    op.drop_column("leave_request", "batch_line")
    op.drop_column("leave_request", "batch_id")
    op.drop_index("ix_request_batch_member_id", table_name="request_batch")
    op.drop_index("ix_batch_org_digest", table_name="request_batch")
    op.drop_table("request_batch")
