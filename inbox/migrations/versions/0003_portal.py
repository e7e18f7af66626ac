"""portal sign-in tokens and the rate-limit ledger

Revision ID: 0003_portal
Revises: 0002_raw_dropped_reason
"""
import sqlalchemy as sa
from alembic import op

import inbox.models._base

revision = "0003_portal"
down_revision = "0002_raw_dropped_reason"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "portal_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("created_at", inbox.models._base.UTCDateTime(), nullable=False),
        sa.Column("expires_at", inbox.models._base.UTCDateTime(), nullable=False),
        sa.Column("used_at", inbox.models._base.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_portal_token_token_hash")),
    )
    op.create_table(
        "rate_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("key", sa.String(length=320), nullable=False),
        sa.Column("created_at", inbox.models._base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rate_event")),
    )
    op.create_index("ix_rate_event_lookup", "rate_event", ["kind", "key", "created_at"])


def downgrade():
    op.drop_index("ix_rate_event_lookup", table_name="rate_event")
    op.drop_table("rate_event")
    op.drop_table("portal_token")
