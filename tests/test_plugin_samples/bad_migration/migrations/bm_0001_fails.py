"""bad_migration: fails on purpose

Revision ID: bm_0001
"""

from alembic import op

revision = "bm_0001"
down_revision = None
branch_labels = ("bad_migration",)


def upgrade():
    op.execute("CREATE TABLE bad_migration_t (id INTEGER PRIMARY KEY)")
    op.execute("THIS IS NOT SQL")


def downgrade():
    pass
