"""presence: which agents are viewing or replying to a conversation (collision warnings)

Revision ID: 0004_presence
Revises: 0003_portal
"""
import sqlalchemy as sa
from alembic import op

import inbox.models._base

revision = "0004_presence"
down_revision = "0003_portal"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "presence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("seen_at", inbox.models._base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversation.id"], name=op.f("fk_presence_conversation_id_conversation"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_presence_user_id_user"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_presence")),
        sa.UniqueConstraint("conversation_id", "user_id", name=op.f("uq_presence_conversation_id")),
    )
    op.create_index("ix_presence_conversation_id", "presence", ["conversation_id"])
    op.create_index("ix_presence_seen_at", "presence", ["seen_at"])


def downgrade():
    op.drop_index("ix_presence_seen_at", table_name="presence")
    op.drop_index("ix_presence_conversation_id", table_name="presence")
    op.drop_table("presence")
