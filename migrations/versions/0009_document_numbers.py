"""A document's number is unique within its request (its file is named by it): the numbers two documents added at
once were given alike are made distinct first, in the order the documents were added.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 23:20:00

"""
from __future__ import annotations

from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Where no two documents of a request share a number, this changes nothing: numbers were given in order.
    op.execute("UPDATE attachment SET number = (SELECT count(*) FROM attachment AS earlier "
               "WHERE earlier.request_id = attachment.request_id AND earlier.id <= attachment.id) "
               "WHERE request_id IN (SELECT request_id FROM attachment GROUP BY request_id, number "
               "HAVING count(*) > 1)")
    op.create_index("ux_attachment_request_number", "attachment", ["request_id", "number"], unique=True)


def downgrade() -> None:
    op.drop_index("ux_attachment_request_number", table_name="attachment")
