"""job_lease: each scheduled job runs once per schedule across all worker processes

Revision ID: 0013_job_lease
Revises: 0011_locale_and_timezone
"""
import sqlalchemy as sa
from alembic import op

revision = "0013_job_lease"
down_revision = "0011_locale_and_timezone"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "job_lease",
        sa.Column("job_id", sa.String(200), primary_key=True),
        sa.Column("owner", sa.String(100)),
        sa.Column("last_run_at", sa.DateTime()),
        sa.Column("next_due", sa.DateTime()),
    )


def downgrade():
    op.drop_table("job_lease")
