"""greeter: the greeter_visit table

Revision ID: gr_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "gr_0001"
down_revision = None
branch_labels = ("greeter",)
depends_on = "0001"


def upgrade():
    op.create_table(
        "greeter_visit", sa.Column("id", sa.Integer(), primary_key=True), sa.Column("source", sa.String(20))
    )


def downgrade():
    op.drop_table("greeter_visit")
