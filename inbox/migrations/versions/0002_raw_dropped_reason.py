"""raw_message.dropped_reason: why an incoming message was stored without a conversation

Revision ID: 0002_raw_dropped_reason
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002_raw_dropped_reason"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("raw_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("dropped_reason", sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table("raw_message", schema=None) as batch_op:
        batch_op.drop_column("dropped_reason")
