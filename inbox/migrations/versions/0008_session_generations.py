"""Session generations: logout and portal sign-out end every copy of the session cookie

Revision ID: 0008_session_generations
Revises: 0007_imap_numbers_bigint

Flask sessions live in a signed cookie; a copy taken before logout stayed valid (security review,
finding 17). The user loader and the portal compare the generation stored in the session with
these columns, and logout / sign-out increase them.
"""
import sqlalchemy as sa
from alembic import op

revision = "0008_session_generations"
down_revision = "0007_imap_numbers_bigint"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user") as batch:
        batch.add_column(sa.Column("session_generation", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("customer") as batch:
        batch.add_column(sa.Column("portal_generation", sa.Integer(), nullable=False, server_default="0"))


def downgrade():
    with op.batch_alter_table("customer") as batch:
        batch.drop_column("portal_generation")
    with op.batch_alter_table("user") as batch:
        batch.drop_column("session_generation")
