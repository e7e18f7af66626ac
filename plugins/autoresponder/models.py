"""Each mailbox's auto-responder settings, and a log of what was sent (the rate limits read it)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from inbox.extensions import db
from inbox.models import UTCDateTime, utcnow


def N_(text: str) -> str:
    """Marks a default text for extraction; it is stored in English and translated when used
    (i18n.default_text), so an untouched default follows each customer's language."""
    return text


DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_SUBJECT = N_("Re: {{ conversation.subject }}")
DEFAULT_BODY = N_(
    'Hello {{ customer.first_name | default("there") }},\n\n'
    "Thank you for writing to {{ mailbox.name }}. We have received your message and will "
    "answer as soon as we can.\n\nYour reference is #{{ conversation.number }}."
)
DEFAULT_OUTSIDE_BODY = N_(
    'Hello {{ customer.first_name | default("there") }},\n\n'
    "Thank you for writing to {{ mailbox.name }}. Our office is closed right now; we "
    "will answer when we are back.\n\nYour reference is #{{ conversation.number }}."
)
DEFAULT_SCHEDULE = {d: ([["09:00", "17:00"]] if d not in ("sat", "sun") else []) for d in DAYS}


class AutoresponderConfig(db.Model):
    __tablename__ = "autoresponder_config"

    id: Mapped[int] = mapped_column(primary_key=True)
    mailbox_id: Mapped[int] = mapped_column(ForeignKey("mailbox.id", ondelete="CASCADE"), unique=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    subject: Mapped[str] = mapped_column(String(998), default=DEFAULT_SUBJECT)
    body: Mapped[str] = mapped_column(Text, default=DEFAULT_BODY)  # Markdown with variables
    office_hours: Mapped[bool] = mapped_column(Boolean, default=False)  # off: always the first message
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    schedule: Mapped[dict] = mapped_column(JSON, default=lambda: dict(DEFAULT_SCHEDULE))  # day -> [[from, to]]
    holidays: Mapped[list] = mapped_column(JSON, default=list)  # ["2026-12-25", ...]
    outside_subject: Mapped[str] = mapped_column(String(998), default=DEFAULT_SUBJECT)
    outside_body: Mapped[str] = mapped_column(Text, default=DEFAULT_OUTSIDE_BODY)
    follow_ups: Mapped[bool] = mapped_column(Boolean, default=False)  # also answer replies after a silence
    silence_hours: Mapped[int] = mapped_column(Integer, default=72)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class AutoReplyLog(db.Model):
    __tablename__ = "autoresponder_log"
    __table_args__ = (Index("ix_autoresponder_log_rcpt", "recipient", "sent_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mailbox_id: Mapped[int] = mapped_column(ForeignKey("mailbox.id", ondelete="CASCADE"))
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversation.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("thread_item.id", ondelete="SET NULL"))
    recipient: Mapped[str] = mapped_column(String(320))  # the sender we answered, lower-cased
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
