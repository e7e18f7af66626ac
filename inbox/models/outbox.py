"""Outgoing mail waits here until the worker has handed it to SMTP."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ._base import UTCDateTime, utcnow

OUTBOX_STATES = ("queued", "sending", "sent", "failed", "cancelled")


class OutboxMessage(db.Model):
    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("thread_item.id", ondelete="SET NULL"), index=True)
    mailbox_id: Mapped[int] = mapped_column(ForeignKey("mailbox.id"))
    status: Mapped[str] = mapped_column(String(10), default="queued")
    message_id: Mapped[str] = mapped_column(String(998), unique=True)
    envelope_from: Mapped[str] = mapped_column(String(320))
    recipients: Mapped[list] = mapped_column(db.JSON, default=list)  # To + Cc + Bcc addresses
    # the MIME bytes are built once when queued, so a retry sends exactly the same message
    mime: Mapped[bytes | None] = mapped_column(LargeBinary)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)  # undo-send delay too
    last_error: Mapped[str | None] = mapped_column(Text)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    append_to_sent: Mapped[bool] = mapped_column(Boolean, default=False)
    appended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    item = relationship("ThreadItem")
