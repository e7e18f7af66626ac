"""saved replies: saved_reply and saved_reply_attachment

Revision ID: sr_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from inbox.models import UTCDateTime

revision = "sr_0001"
down_revision = None
branch_labels = ("saved_replies",)
depends_on = "0001"  # the core tables it points at


def upgrade():
    op.create_table(
        "saved_reply",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("folder", sa.String(length=120), nullable=False, server_default=""),
        sa.Column("body", sa.Text(), nullable=False, server_default=""),
        sa.Column("body_format", sa.String(length=10), nullable=False, server_default="markdown"),
        sa.Column("scope", sa.String(length=10), nullable=False, server_default="personal"),
        sa.Column("mailbox_id", sa.Integer(), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("usage_count", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("last_used_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["mailbox_id"], ["mailbox.id"], name="fk_saved_reply_mailbox_id_mailbox", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["owner_id"], ["user.id"], name="fk_saved_reply_owner_id_user", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["user.id"], name="fk_saved_reply_created_by_id_user", ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_saved_reply"),
    )
    op.create_index("ix_saved_reply_scope", "saved_reply", ["scope", "mailbox_id", "owner_id"])
    op.create_table(
        "saved_reply_attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reply_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=500), nullable=False),
        sa.Column("content_type", sa.String(length=255), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["reply_id"], ["saved_reply.id"], name="fk_saved_reply_attachment_reply_id_saved_reply", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_saved_reply_attachment"),
    )
    op.create_index("ix_saved_reply_attachment_reply_id", "saved_reply_attachment", ["reply_id"])


def downgrade():
    op.drop_table("saved_reply_attachment")
    op.drop_table("saved_reply")
