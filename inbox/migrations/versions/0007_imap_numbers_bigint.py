"""IMAP UIDVALIDITY and UIDs as BIGINT: they are unsigned 32-bit numbers (RFC 3501)

Revision ID: 0007_imap_numbers_bigint
Revises: 0006_postgres_search

Values from 2**31 up overflow a 32-bit INTEGER on PostgreSQL (Dovecot's UIDVALIDITY is a Unix time,
and other servers use the whole range). SQLite integers are 64-bit already: nothing to do there.
"""
import sqlalchemy as sa
from alembic import op

revision = "0007_imap_numbers_bigint"
down_revision = "0006_postgres_search"
branch_labels = None
depends_on = None

COLUMNS = [("folder_state", "uidvalidity"), ("folder_state", "last_uid"), ("raw_message", "uidvalidity"),
           ("raw_message", "uid")]


def upgrade():
    if op.get_bind().dialect.name == "sqlite":
        return
    for table, column in COLUMNS:
        op.alter_column(table, column, type_=sa.BigInteger(), existing_type=sa.Integer())


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        return
    for table, column in COLUMNS:
        op.alter_column(table, column, type_=sa.Integer(), existing_type=sa.BigInteger())
