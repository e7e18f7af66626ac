"""full-text search over thread items on PostgreSQL: a generated tsvector column with a GIN index

Revision ID: 0006_postgres_search
Revises: 0005_search_and_list_indexes

The PostgreSQL counterpart of 0005's FTS5 table: the database computes the vector on every write,
so (as with the SQLite triggers) no writer needs to know the index exists. Weights tell the fields
apart for from:/to:/subject: (A subject, B sender, C recipients, D body). '@', '.', '/', '<' and '>'
are folded to spaces, as inbox.search_pg folds query words: "alice" then finds alice@example.com, and
PostgreSQL's parser sees no HTML tags in plain mail text (it skips whatever follows a "<script>").
SQLite and other databases: no change.
"""
from alembic import op

revision = "0006_postgres_search"
down_revision = "0005_search_and_list_indexes"
branch_labels = None
depends_on = None

FOLD = "@./<>"  # keep in step with inbox.search_pg.FOLD


def _doc(value: str, weight: str) -> str:
    return (f"setweight(to_tsvector('english'::regconfig, translate(coalesce({value}, ''), '{FOLD}', "
            f"'{' ' * len(FOLD)}')), '{weight}')")


# names and addresses out of the JSON recipient lists (jsonb text keeps non-ASCII unescaped)
_PEOPLE = ("jsonb_path_query_array(coalesce(\"to\"::jsonb, '[]') || coalesce(cc::jsonb, '[]'), '$[*].*')::text")
VECTOR = " || ".join([
    _doc("subject", "A"),
    _doc("coalesce(from_name, '') || ' ' || coalesce(from_email, '')", "B"),
    _doc("translate(" + _PEOPLE + ", '\"[],', '    ')", "C"),
    _doc("text", "D"),
])


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"ALTER TABLE thread_item ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ({VECTOR}) STORED")
    op.execute("CREATE INDEX ix_thread_item_search ON thread_item USING gin (search_vector)")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_thread_item_search")
    op.execute("ALTER TABLE thread_item DROP COLUMN IF EXISTS search_vector")
