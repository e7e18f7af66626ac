"""Customer-portal sign-in tokens and the rate-limit ledger."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ._base import UTCDateTime, utcnow


class PortalToken(db.Model):
    """A one-time sign-in link. Only the SHA-256 of the token is stored, so a database leak
    signs nobody in."""

    __tablename__ = "portal_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RateEvent(db.Model):
    """One counted attempt (a sign-in request, a new portal request...) for rate limits that
    every worker process sees."""

    __tablename__ = "rate_event"
    __table_args__ = (Index("ix_rate_event_lookup", "kind", "key", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
