"""Agents and admins, and which mailboxes each may see."""

from __future__ import annotations

import hashlib
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, Column, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from ._base import UTCDateTime, utcnow
from .mailbox import Mailbox

ROLES = ("admin", "agent")

mailbox_access = Table(
    "mailbox_access",
    db.metadata,
    Column("user_id", ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
    Column("mailbox_id", ForeignKey("mailbox.id", ondelete="CASCADE"), primary_key=True),
)


class User(UserMixin, db.Model):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(10), default="agent")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    signature: Mapped[str | None] = mapped_column(Text)
    locale: Mapped[str | None] = mapped_column(String(20))  # None: the browser's, else the install's
    timezone: Mapped[str | None] = mapped_column(String(64))  # IANA name; None: the install's
    preferences: Mapped[dict] = mapped_column(db.JSON, default=dict)  # e.g. thread order
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # part of every session and remember-me cookie (get_id); logout increases it, so copies of a
    # cookie taken before stop working (sessions are client-side signed cookies)
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    mailboxes: Mapped[list[Mailbox]] = relationship(secondary=mailbox_access, lazy="selectin")

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_active(self) -> bool:  # flask-login refuses inactive users
        return self.active

    @property
    def first_name(self) -> str:
        return (self.name or "").split(" ")[0]

    def set_password(self, password: str) -> None:
        # werkzeug's default is scrypt, a memory-hard modern scheme
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    def session_fingerprint(self) -> str:
        """Changes with the password, so sessions and remember-me cookies made before do not outlive it."""
        return hashlib.sha256((self.password_hash or "unset").encode()).hexdigest()[:16]

    def get_id(self) -> str:  # what flask-login keeps in the session and the remember cookie
        return f"{self.id}:{self.session_fingerprint()}:{self.session_generation or 0}"

    def end_sessions(self) -> None:
        """Every session and remember-me cookie of this user stops working (the caller commits)."""
        self.session_generation = (self.session_generation or 0) + 1

    def visible_mailbox_ids(self) -> set[int] | None:
        """None means every mailbox (admins); otherwise the granted ids."""
        if self.is_admin:
            return None
        return {m.id for m in self.mailboxes}

    def can_see_mailbox(self, mailbox_id: int) -> bool:
        ids = self.visible_mailbox_ids()
        return ids is None or mailbox_id in ids

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role}>"
