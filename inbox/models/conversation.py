"""Conversations, their tags, and each agent's read marker."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String, Table, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ._base import UTCDateTime, utcnow
from .customer import Customer
from .mailbox import Mailbox
from .user import User

STATUSES = ("active", "pending", "closed", "spam")

conversation_tag = Table(
    "conversation_tag",
    db.metadata,
    Column("conversation_id", ForeignKey("conversation.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Tag(db.Model):
    __tablename__ = "tag"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)  # lower-cased
    color: Mapped[str | None] = mapped_column(String(20))


class Conversation(db.Model):
    __tablename__ = "conversation"
    __table_args__ = (
        # the inbox list: one mailbox, one status, newest activity first (keyset pagination)
        Index("ix_conversation_list", "mailbox_id", "status", "last_activity_at", "id"),
        Index("ix_conversation_assignee", "assignee_id", "status", "last_activity_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)  # what humans quote: "#123"
    mailbox_id: Mapped[int] = mapped_column(ForeignKey("mailbox.id"), index=True)
    subject: Mapped[str] = mapped_column(String(998), default="")
    status: Mapped[str] = mapped_column(String(10), default="active")
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id"), index=True)
    preview: Mapped[str] = mapped_column(String(300), default="")  # latest message, for lists
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_customer_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    snoozed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # merge keeps the loser's row (and its history) pointing at the winner
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("conversation.id"))
    # a new conversation started by the closed-conversation policy links the old one
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("conversation.id"))
    source: Mapped[str] = mapped_column(String(20), default="email")  # email, portal, agent
    # set when a human reads a new customer message; lists show unread while NULL or older
    last_read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # started by a bounce, delivery/abuse report or auto-reply that matched none of our messages:
    # kept visible (its own folder, search, export) but never counted as customer demand
    automated: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    mailbox: Mapped[Mailbox] = relationship(lazy="joined")
    assignee: Mapped[User | None] = relationship(lazy="joined")
    customer: Mapped[Customer | None] = relationship(lazy="joined")
    tags: Mapped[list[Tag]] = relationship(secondary=conversation_tag, lazy="selectin", order_by=Tag.name)
    items: Mapped[list["ThreadItem"]] = relationship(  # noqa: F821
        back_populates="conversation",
        order_by="ThreadItem.id",
        lazy="select",
        foreign_keys="ThreadItem.conversation_id",
    )

    @property
    def is_unread(self) -> bool:
        return self.last_customer_at is not None and (
            self.last_read_at is None or self.last_read_at < self.last_customer_at
        )

    def __repr__(self) -> str:
        return f"<Conversation #{self.number} {self.status}>"


class Draft(db.Model):
    """An agent's unsent reply or note, saved as they type."""

    __tablename__ = "draft"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversation.id", ondelete="CASCADE"))
    mailbox_id: Mapped[int | None] = mapped_column(ForeignKey("mailbox.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10), default="reply")  # reply, note, new, forward
    to: Mapped[list] = mapped_column(db.JSON, default=list)
    cc: Mapped[list] = mapped_column(db.JSON, default=list)
    bcc: Mapped[list] = mapped_column(db.JSON, default=list)
    subject: Mapped[str | None] = mapped_column(String(998))
    body: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
