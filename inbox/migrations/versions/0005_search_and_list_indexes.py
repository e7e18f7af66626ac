"""full-text search over thread items (SQLite FTS5, kept in sync by triggers) and list indexes

Revision ID: 0005_search_and_list_indexes
Revises: 0004_presence

The triggers mean every writer (importer, outbox, plugins, CLI) keeps the index current without
knowing it exists. On other databases the search service falls back to plain SQL, so only the
indexes are created there.
"""
from alembic import op

revision = "0005_search_and_list_indexes"
down_revision = "0004_presence"
branch_labels = None
depends_on = None

# names and addresses out of the JSON recipient lists, so "to:" matches them and not the JSON keys
_PEOPLE = ("(SELECT group_concat(coalesce(json_extract(value, '$.name'), '') || ' ' || "
           "coalesce(json_extract(value, '$.email'), ''), ' ') FROM json_each(coalesce({row}.\"to\", '[]'))) || ' ' || "
           "coalesce((SELECT group_concat(coalesce(json_extract(value, '$.name'), '') || ' ' || "
           "coalesce(json_extract(value, '$.email'), ''), ' ') FROM json_each(coalesce({row}.cc, '[]'))), '')")
_VALUES = ("{row}.id, coalesce({row}.subject, ''), coalesce({row}.text, ''), "
           "coalesce({row}.from_name, '') || ' ' || coalesce({row}.from_email, ''), coalesce(" + _PEOPLE + ", '')")


def _values(row: str) -> str:
    return _VALUES.format(row=row).replace("{row}", row)


def upgrade():
    with op.batch_alter_table("conversation") as batch:
        # cross-mailbox folders (admins, "All mailboxes") ordered by activity without a sort
        batch.create_index("ix_conversation_status_activity", ["status", "last_activity_at", "id"])
        batch.create_index("ix_conversation_activity", ["last_activity_at", "id"])
        # folder counts read only this index (a covering scan of the open statuses)
        batch.create_index("ix_conversation_counts", ["status", "mailbox_id", "assignee_id", "merged_into_id"])
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("CREATE VIRTUAL TABLE item_fts USING fts5(subject, body, sender, recipients, "
               "tokenize = 'porter unicode61 remove_diacritics 2')")
    op.execute(f"INSERT INTO item_fts(rowid, subject, body, sender, recipients) "
               f"SELECT {_values('thread_item')} FROM thread_item WHERE type != 'event'")
    op.execute(f"""CREATE TRIGGER thread_item_fts_insert AFTER INSERT ON thread_item WHEN new.type != 'event'
        BEGIN INSERT INTO item_fts(rowid, subject, body, sender, recipients) VALUES ({_values('new')}); END""")
    op.execute("""CREATE TRIGGER thread_item_fts_delete AFTER DELETE ON thread_item
        BEGIN DELETE FROM item_fts WHERE rowid = old.id; END""")
    op.execute(f"""CREATE TRIGGER thread_item_fts_update AFTER UPDATE OF subject, text, from_name, from_email, "to", cc, type
        ON thread_item BEGIN
          DELETE FROM item_fts WHERE rowid = old.id;
          INSERT INTO item_fts(rowid, subject, body, sender, recipients) SELECT {_values('new')} WHERE new.type != 'event';
        END""")


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        for name in ("thread_item_fts_insert", "thread_item_fts_delete", "thread_item_fts_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS item_fts")
    with op.batch_alter_table("conversation") as batch:
        batch.drop_index("ix_conversation_counts")
        batch.drop_index("ix_conversation_activity")
        batch.drop_index("ix_conversation_status_activity")
