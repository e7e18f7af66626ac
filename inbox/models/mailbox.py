"""A support mailbox: its address, how to reach its IMAP and SMTP servers, and its policies."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ._base import UTCDateTime, utcnow

SECURITY = ("none", "ssl", "starttls")
CLOSED_POLICIES = ("reopen", "new", "new_after_days")


class Mailbox(db.Model):
    __tablename__ = "mailbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    # Other addresses that deliver here; mail from any of them is "ourselves".
    aliases: Mapped[list] = mapped_column(JSON, default=list)
    from_name: Mapped[str | None] = mapped_column(String(120))
    reply_to: Mapped[str | None] = mapped_column(String(320))

    imap_host: Mapped[str | None] = mapped_column(String(255))
    imap_port: Mapped[int | None] = mapped_column(Integer)
    imap_user: Mapped[str | None] = mapped_column(String(255))
    imap_password_enc: Mapped[str | None] = mapped_column(Text)  # see inbox.crypto
    imap_security: Mapped[str] = mapped_column(String(10), default="ssl")
    folders: Mapped[list] = mapped_column(JSON, default=lambda: ["INBOX"])
    sent_folder: Mapped[str | None] = mapped_column(String(255))  # append a copy of replies here

    smtp_host: Mapped[str | None] = mapped_column(String(255))
    smtp_port: Mapped[int | None] = mapped_column(Integer)
    smtp_user: Mapped[str | None] = mapped_column(String(255))
    smtp_password_enc: Mapped[str | None] = mapped_column(Text)
    smtp_security: Mapped[str] = mapped_column(String(10), default="starttls")

    signature: Mapped[str | None] = mapped_column(Text)
    locale: Mapped[str | None] = mapped_column(String(20))  # mail to customers; None: the install's
    closed_policy: Mapped[str] = mapped_column(String(20), default="reopen")
    closed_policy_days: Mapped[int] = mapped_column(Integer, default=30)
    history_days: Mapped[int | None] = mapped_column(Integer)  # None: app default
    portal_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def addresses(self) -> set[str]:
        return {a.lower() for a in [self.email, *(self.aliases or [])] if a}

    # Passwords are never exposed as attributes in clear: callers ask inbox.crypto explicitly.
    def set_imap_password(self, clear: str | None) -> None:
        from ..crypto import encrypt

        self.imap_password_enc = encrypt(clear) if clear else None

    def set_smtp_password(self, clear: str | None) -> None:
        from ..crypto import encrypt

        self.smtp_password_enc = encrypt(clear) if clear else None

    def imap_password(self) -> str | None:
        from ..crypto import decrypt

        return decrypt(self.imap_password_enc) if self.imap_password_enc else None

    def smtp_password(self) -> str | None:
        from ..crypto import decrypt

        return decrypt(self.smtp_password_enc) if self.smtp_password_enc else None

    def __repr__(self) -> str:  # never include credentials
        return f"<Mailbox {self.id} {self.email}>"
