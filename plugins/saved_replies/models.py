"""Saved replies and their attachments. The bytes of attachments live in inbox.storage by SHA-256."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from inbox.extensions import db
from inbox.models import UTCDateTime, utcnow

SCOPES = ("global", "mailbox", "personal")
FORMATS = ("markdown", "html")


class SavedReply(db.Model):
    __tablename__ = "saved_reply"
    __table_args__ = (Index("ix_saved_reply_scope", "scope", "mailbox_id", "owner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    folder: Mapped[str] = mapped_column(String(120), default="")  # "" is the top level
    body: Mapped[str] = mapped_column(Text, default="")  # a Jinja template in body_format
    body_format: Mapped[str] = mapped_column(String(10), default="markdown")
    scope: Mapped[str] = mapped_column(String(10), default="personal")
    mailbox_id: Mapped[int | None] = mapped_column(ForeignKey("mailbox.id", ondelete="CASCADE"))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    usage_count: Mapped[int] = mapped_column(Integer, default=0)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    attachments: Mapped[list[SavedReplyAttachment]] = relationship(
        back_populates="reply", cascade="all, delete-orphan", lazy="selectin", order_by="SavedReplyAttachment.id"
    )

    def __repr__(self) -> str:
        return f"<SavedReply {self.id} {self.scope} {self.title!r}>"


class SavedReplyAttachment(db.Model):
    __tablename__ = "saved_reply_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    reply_id: Mapped[int] = mapped_column(ForeignKey("saved_reply.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(500))
    content_type: Mapped[str] = mapped_column(String(255), default="application/octet-stream")
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))

    reply: Mapped[SavedReply] = relationship(back_populates="attachments")
