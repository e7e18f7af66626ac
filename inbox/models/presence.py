"""Who is looking at (or answering) a conversation right now, for collision warnings.

A row per (conversation, agent), refreshed by the page's heartbeat. It lives in the database so
every web worker sees every agent; rows older than a minute are simply ignored (and pruned).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ._base import UTCDateTime, utcnow

PRESENCE_STATES = ("viewing", "replying")


class Presence(db.Model):
    __tablename__ = "presence"
    __table_args__ = (UniqueConstraint("conversation_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversation.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(10), default="viewing")
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    user = relationship("User", lazy="joined")
