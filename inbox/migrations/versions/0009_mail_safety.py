"""What the conversation page needs, stored at import; when a customer address was linked

Revision ID: 0009_mail_safety
Revises: 0008_session_generations

thread_item.reply_to: the Reply-To addresses as parsed (defensively) at import, so a page view
never parses the raw message again (one broken header made a conversation 500 for everybody).
thread_item.html_clean: the HTML body sanitised once, with its size and nesting capped; NULL on
rows imported before this revision, which are prepared on first view (lazily, not here: nh3 on a
whole history could take hours inside a migration).
thread_item.html_limit: why the HTML is not shown in full ("truncated", "too_large"), else NULL.
customer_email.created_at: the portal shows a conversation to an address only if the address was
linked before the conversation began or took part in it. Existing rows get their customer's
created_at, the best known bound.
"""
import sqlalchemy as sa
from alembic import op

revision = "0009_mail_safety"
down_revision = "0008_session_generations"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("thread_item") as batch:
        batch.add_column(sa.Column("reply_to", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("html_clean", sa.Text(), nullable=True))
        batch.add_column(sa.Column("html_limit", sa.String(20), nullable=True))
    with op.batch_alter_table("customer_email") as batch:
        batch.add_column(sa.Column("created_at", sa.DateTime(), nullable=True))
    op.execute("UPDATE customer_email SET created_at = (SELECT customer.created_at FROM customer "
               "WHERE customer.id = customer_email.customer_id)")


def downgrade():
    with op.batch_alter_table("customer_email") as batch:
        batch.drop_column("created_at")
    with op.batch_alter_table("thread_item") as batch:
        batch.drop_column("html_limit")
        batch.drop_column("html_clean")
        batch.drop_column("reply_to")
