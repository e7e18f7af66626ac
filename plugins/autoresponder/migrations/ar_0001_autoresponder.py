"""autoresponder: per-mailbox configuration and the log the rate limits read

Revision ID: ar_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from inbox.models import UTCDateTime

revision = "ar_0001"
down_revision = None
branch_labels = ("autoresponder",)
depends_on = "0001"  # the core tables it points at


def upgrade():
    op.create_table(
        "autoresponder_config",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mailbox_id", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("subject", sa.String(length=998), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("office_hours", sa.Boolean(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("schedule", sa.JSON(), nullable=False),
        sa.Column("holidays", sa.JSON(), nullable=False),
        sa.Column("outside_subject", sa.String(length=998), nullable=False),
        sa.Column("outside_body", sa.Text(), nullable=False),
        sa.Column("follow_ups", sa.Boolean(), nullable=False),
        sa.Column("silence_hours", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["mailbox_id"], ["mailbox.id"], name="fk_autoresponder_config_mailbox_id_mailbox", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_autoresponder_config"),
        sa.UniqueConstraint("mailbox_id", name="uq_autoresponder_config_mailbox_id"),
    )
    op.create_table(
        "autoresponder_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mailbox_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("recipient", sa.String(length=320), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["mailbox_id"], ["mailbox.id"], name="fk_autoresponder_log_mailbox_id_mailbox", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversation.id"],
            name="fk_autoresponder_log_conversation_id_conversation",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["thread_item.id"], name="fk_autoresponder_log_item_id_thread_item", ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_autoresponder_log"),
    )
    op.create_index("ix_autoresponder_log_rcpt", "autoresponder_log", ["recipient", "sent_at"])
    op.create_index("ix_autoresponder_log_conversation_id", "autoresponder_log", ["conversation_id"])


def downgrade():
    op.drop_table("autoresponder_log")
    op.drop_table("autoresponder_config")
