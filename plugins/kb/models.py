"""Knowledge-base tables: articles, and which suggestions agents actually inserted."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from inbox.extensions import db
from inbox.models import UTCDateTime, utcnow

STATUSES = ("draft", "published")


class Article(db.Model):
    __tablename__ = "kb_article"
    __table_args__ = (Index("ix_kb_article_listing", "status", "category"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    body: Mapped[str] = mapped_column(Text, default="")  # Markdown as written
    body_html: Mapped[str] = mapped_column(Text, default="")  # rendered and sanitised on save
    category: Mapped[str] = mapped_column(String(120), default="General")
    tags: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(10), default="draft")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def published(self) -> bool:
        return self.status == "published"


class SuggestionUse(db.Model):
    """One insertion of a suggested article into a reply; tells which suggestions help."""

    __tablename__ = "kb_suggestion_use"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("kb_article.id", ondelete="CASCADE"), index=True)
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversation.id", ondelete="SET NULL"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(10), default="link")  # link or text
    rank: Mapped[int | None] = mapped_column()  # the suggestion's position when it was used
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
