"""woocommerce_cache: fetched orders per customer, shared by every process

Revision ID: wc_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "wc_0001"
down_revision = None
branch_labels = ("woocommerce",)
depends_on = None


def upgrade():
    op.create_table(
        "woocommerce_cache",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.JSON()),
        sa.Column("fetched_at", sa.DateTime()),
    )
    op.create_index("ix_woocommerce_cache_customer_id", "woocommerce_cache", ["customer_id"])


def downgrade():
    op.drop_index("ix_woocommerce_cache_customer_id", table_name="woocommerce_cache")
    op.drop_table("woocommerce_cache")
