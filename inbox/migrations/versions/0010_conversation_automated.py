"""conversation.automated: a conversation started by a bounce, report or auto-reply

Revision ID: 0010_conversation_automated
Revises: 0009_mail_safety

Such mail used to be stored raw and shown nowhere; it now becomes a closed conversation in the
"Bounces & auto-replies" folder, and this flag is what lists, counts and reports filter on.
"""
import sqlalchemy as sa
from alembic import op

revision = "0010_conversation_automated"
down_revision = "0009_mail_safety"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("conversation") as batch_op:
        batch_op.add_column(sa.Column("automated", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade():
    with op.batch_alter_table("conversation") as batch_op:
        batch_op.drop_column("automated")
