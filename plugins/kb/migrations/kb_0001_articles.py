"""knowledge base: articles, suggestion uses, and the full-text index

Revision ID: kb_0001
"""

import sqlalchemy as sa
from alembic import op

import inbox.models._base

revision = "kb_0001"
down_revision = None
branch_labels = ("kb",)
depends_on = "0001"


def upgrade():
    op.create_table(
        "kb_article",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("slug", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("category", sa.String(length=120), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", inbox.models._base.UTCDateTime(), nullable=False),
        sa.Column("updated_at", inbox.models._base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_article")),
        sa.UniqueConstraint("slug", name=op.f("uq_kb_article_slug")),
    )
    op.create_index("ix_kb_article_listing", "kb_article", ["status", "category"])
    op.create_table(
        "kb_suggestion_use",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=True),
        sa.Column("created_at", inbox.models._base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["kb_article.id"],
            name=op.f("fk_kb_suggestion_use_article_id_kb_article"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversation.id"],
            name=op.f("fk_kb_suggestion_use_conversation_id_conversation"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_kb_suggestion_use_user_id_user"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_suggestion_use")),
    )
    op.create_index("ix_kb_suggestion_use_article_id", "kb_suggestion_use", ["article_id"])
    if op.get_bind().dialect.name == "sqlite":
        # rowid = article id; the text is pre-split (CJK into bigrams) by kb.search.prepare()
        op.execute(
            "CREATE VIRTUAL TABLE kb_fts USING fts5(title, body, tags, "
            "tokenize = 'porter unicode61 remove_diacritics 2')"
        )


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE kb_fts")
    op.drop_index("ix_kb_suggestion_use_article_id", table_name="kb_suggestion_use")
    op.drop_table("kb_suggestion_use")
    op.drop_index("ix_kb_article_listing", table_name="kb_article")
    op.drop_table("kb_article")
