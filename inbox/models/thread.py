"""What happens in a conversation: messages both ways, notes, auto-replies, system events."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    update,
)
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.orm.attributes import set_committed_value

from ..extensions import db
from ._base import UTCDateTime, utcnow

# customer: mail (or portal post) from the customer; reply: an agent's mail out;
# note: internal, never sent; auto_reply: sent by the system; event: "assigned to", "status changed"...
ITEM_TYPES = ("customer", "reply", "note", "auto_reply", "forward", "event")
SEND_STATES = ("queued", "sending", "sent", "failed", "cancelled")


class RawMessage(db.Model):
    """The RFC 822 bytes of an incoming message exactly as fetched, so it can be parsed again.

    The unique (mailbox_id, dedup_key) is what makes import exactly-once: the key hashes the
    Message-ID together with the content (minus transport headers that differ per copy).
    """

    __tablename__ = "raw_message"
    __table_args__ = (
        UniqueConstraint("mailbox_id", "dedup_key"),
        Index("ix_raw_message_uid", "mailbox_id", "folder", "uidvalidity", "uid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mailbox_id: Mapped[int] = mapped_column(ForeignKey("mailbox.id", ondelete="CASCADE"))
    folder: Mapped[str] = mapped_column(String(255))
    uidvalidity: Mapped[int | None] = mapped_column(BigInteger)
    uid: Mapped[int | None] = mapped_column(BigInteger)
    message_id: Mapped[str | None] = mapped_column(String(998), index=True)
    dedup_key: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # set when a plugin (message_received) or the pipeline chose to keep the mail but not thread it
    dropped_reason: Mapped[str | None] = mapped_column(Text)


class ThreadItem(db.Model):
    __tablename__ = "thread_item"
    __table_args__ = (Index("ix_thread_item_conv", "conversation_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversation.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(12))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id"))
    raw_message_id: Mapped[int | None] = mapped_column(ForeignKey("raw_message.id"))
    source: Mapped[str] = mapped_column(String(20), default="email")  # email, portal, web, api, system

    message_id: Mapped[str | None] = mapped_column(String(998), index=True)  # without <>
    in_reply_to: Mapped[str | None] = mapped_column(String(998))
    references: Mapped[list] = mapped_column(JSON, default=list)
    from_name: Mapped[str | None] = mapped_column(String(300))
    from_email: Mapped[str | None] = mapped_column(String(320))
    to: Mapped[list] = mapped_column(JSON, default=list)  # [{"name":..., "email":...}]
    cc: Mapped[list] = mapped_column(JSON, default=list)
    bcc: Mapped[list] = mapped_column(JSON, default=list)
    subject: Mapped[str | None] = mapped_column(String(998))
    date: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    text: Mapped[str] = mapped_column(Text, default="")  # the whole plain text
    html: Mapped[str | None] = mapped_column(Text)  # raw as received/sent
    # the HTML sanitised once at import (inbox.sanitize.prepare_email_html), size and depth capped;
    # NULL on older rows until their first view. html_limit says why it is not all shown:
    # "truncated" (longer than MAX_HTML_CHARS) or "too_large" (the mail exceeded MAX_MESSAGE_BYTES)
    html_clean: Mapped[str | None] = mapped_column(Text)
    html_limit: Mapped[str | None] = mapped_column(String(20))
    # Reply-To as parsed at import ([{"name":..., "email":...}]); NULL on rows older than migration 0009
    reply_to: Mapped[list | None] = mapped_column(JSON)
    new_text: Mapped[str | None] = mapped_column(Text)  # the reply without the quoted history
    quoted_text: Mapped[str | None] = mapped_column(Text)

    is_auto_reply: Mapped[bool] = mapped_column(Boolean, default=False)
    is_bulk: Mapped[bool] = mapped_column(Boolean, default=False)
    is_bounce: Mapped[bool] = mapped_column(Boolean, default=False)
    parse_error: Mapped[str | None] = mapped_column(Text)
    # on our outgoing items: delivery state, and bounce when one comes back
    send_status: Mapped[str | None] = mapped_column(String(10))
    send_error: Mapped[str | None] = mapped_column(Text)
    bounced: Mapped[bool] = mapped_column(Boolean, default=False)
    bounce_reason: Mapped[str | None] = mapped_column(Text)
    # on events: what happened, e.g. {"kind": "assigned", "to": 3, "by": 1}
    event: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    conversation = relationship("Conversation", back_populates="items", foreign_keys=[conversation_id])
    author = relationship("User", lazy="joined")
    # lets the importer build message, raw bytes and refs as one object graph, flushed once per batch
    raw_message = relationship("RawMessage", lazy="select")
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="item", cascade="all, delete-orphan", lazy="selectin", order_by="Attachment.id"
    )

    @property
    def is_outgoing(self) -> bool:
        return self.type in ("reply", "auto_reply", "forward")

    def remember(self, **values) -> None:
        """Keep columns derived from the stored message (filled on first view for rows imported
        before migration 0009) in a short transaction of their own, so that a page view neither
        commits nor expires the request's objects. It never waits for a lock (the caller's own
        transaction may hold SQLite's write lock): when the database is busy the values stay in
        memory and are simply computed again next time."""

        table = ThreadItem.__table__
        with db.engine.connect() as conn:
            sqlite = conn.dialect.name == "sqlite"
            waited = conn.exec_driver_sql("PRAGMA busy_timeout").scalar() if sqlite else None
            try:
                if sqlite:
                    conn.exec_driver_sql("PRAGMA busy_timeout=0")
                elif conn.dialect.name == "postgresql":
                    conn.exec_driver_sql("SET LOCAL lock_timeout = '200ms'")
                conn.execute(update(table).where(table.c.id == self.id).values(**values))
                conn.commit()
            except OperationalError:
                conn.rollback()
            finally:
                if sqlite:
                    conn.exec_driver_sql(f"PRAGMA busy_timeout={int(waited or 0)}")
        for key, value in values.items():
            set_committed_value(self, key, value)


class MessageRef(db.Model):
    """Every Message-ID a stored item mentions (its own, In-Reply-To, References).

    Threading looks both ways through this table, so replies that arrive before the message they
    answer still end up in one conversation.
    """

    __tablename__ = "message_ref"
    __table_args__ = (Index("ix_message_ref_lookup", "mailbox_id", "ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mailbox_id: Mapped[int] = mapped_column(ForeignKey("mailbox.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("thread_item.id", ondelete="CASCADE"), index=True)
    ref: Mapped[str] = mapped_column(String(998))
    own: Mapped[bool] = mapped_column(Boolean, default=False)  # the item's own Message-ID

    item = relationship("ThreadItem", lazy="select")


class Attachment(db.Model):
    """Metadata; the bytes live on disk under ATTACHMENTS_DIR by SHA-256 (inbox.storage)."""

    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("thread_item.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(500))
    content_type: Mapped[str] = mapped_column(String(255), default="application/octet-stream")
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    content_id: Mapped[str | None] = mapped_column(String(500))  # without <>, for cid: images
    inline: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    item: Mapped[ThreadItem | None] = relationship(back_populates="attachments")
