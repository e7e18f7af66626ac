"""Languages and time zones: user.locale + user.timezone, customer.locale, mailbox.locale

Revision ID: 0011_locale_and_timezone
Revises: 0010_conversation_automated

NULL everywhere means "not chosen": the browser's language or the install default applies
(inbox.i18n.selection), so existing rows need no data.
"""
import sqlalchemy as sa
from alembic import op

revision = "0011_locale_and_timezone"
down_revision = "0010_conversation_automated"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user") as batch:
        batch.add_column(sa.Column("locale", sa.String(20), nullable=True))
        batch.add_column(sa.Column("timezone", sa.String(64), nullable=True))
    with op.batch_alter_table("customer") as batch:
        batch.add_column(sa.Column("locale", sa.String(20), nullable=True))
    with op.batch_alter_table("mailbox") as batch:
        batch.add_column(sa.Column("locale", sa.String(20), nullable=True))


def downgrade():
    with op.batch_alter_table("mailbox") as batch:
        batch.drop_column("locale")
    with op.batch_alter_table("customer") as batch:
        batch.drop_column("locale")
    with op.batch_alter_table("user") as batch:
        batch.drop_column("timezone")
        batch.drop_column("locale")
