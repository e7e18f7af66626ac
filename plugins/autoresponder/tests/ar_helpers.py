"""Mail in through Dovecot and the real sync, out through the outbox to an SMTP sink."""

from __future__ import annotations

import email
import email.policy
import itertools
from datetime import datetime, timezone
from email.utils import format_datetime, make_msgid

from inbox.extensions import db
from inbox.mail.inbound.sync import sync_mailbox
from inbox.mail.outbound.outbox import send_due
from inbox.models import Conversation, ThreadItem
from inbox.testing.servers import SmtpSink
from inbox_plugins.autoresponder.models import AutoresponderConfig

_n = itertools.count(1)


def message(
    frm: str,
    to: str,
    subject: str = "Help with my order",
    body: str = "Hello, where is my parcel?",
    headers: dict | None = None,
    msgid: str | None = None,
    in_reply_to: str | None = None,
    from_name: str = "Ann Customer",
) -> tuple[bytes, str]:
    """RFC 822 bytes and their Message-ID (without <>)."""
    msgid = msgid or make_msgid(idstring=f"t{next(_n)}", domain="customer.test")[1:-1]
    lines = [
        f"From: {from_name} <{frm}>",
        f"To: {to}",
        f"Subject: {subject}",
        f"Date: {format_datetime(datetime.now(timezone.utc))}",
        f"Message-ID: <{msgid}>",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
    ]
    if in_reply_to:
        lines += [f"In-Reply-To: <{in_reply_to}>", f"References: <{in_reply_to}>"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n" + body + "\r\n").encode(), msgid


def enable(mailbox, **fields) -> AutoresponderConfig:
    cfg = db.session.execute(
        db.select(AutoresponderConfig).where(AutoresponderConfig.mailbox_id == mailbox.id)
    ).scalar()
    if cfg is None:
        cfg = AutoresponderConfig(mailbox_id=mailbox.id, enabled=True)
        db.session.add(cfg)
    for key, value in fields.items():
        setattr(cfg, key, value)
    db.session.commit()
    return cfg


def cycle(app, mailbox, history: bool = False) -> dict:
    """One sync pass and one outbox pass, as the worker would run them."""
    sync_mailbox(mailbox, history=history)
    return send_due(app)


def auto_replies(conversation_id: int | None = None) -> list[ThreadItem]:
    stmt = db.select(ThreadItem).where(ThreadItem.type == "auto_reply").order_by(ThreadItem.id)
    if conversation_id is not None:
        stmt = stmt.where(ThreadItem.conversation_id == conversation_id)
    return list(db.session.execute(stmt).scalars())


def conversation_of(msgid: str) -> Conversation:
    item = db.session.execute(db.select(ThreadItem).where(ThreadItem.message_id == msgid)).scalar_one()
    return db.session.get(Conversation, item.conversation_id)


def parsed(envelope):
    return email.message_from_bytes(envelope.content, policy=email.policy.default)


class RelaySink(SmtpSink):
    """An SMTP server that delivers what it receives into a Dovecot user's INBOX, optionally
    stripping headers first (a careless robot on the other side that drops Auto-Submitted)."""

    def __init__(self, dovecot, user: str, strip: tuple[str, ...] = ()):
        super().__init__()
        self.dovecot, self.user, self.strip = dovecot, user, strip

    async def handle_DATA(self, server, session, envelope):
        result = await super().handle_DATA(server, session, envelope)
        raw = envelope.content
        if self.strip:
            msg = email.message_from_bytes(raw, policy=email.policy.SMTP)
            for name in self.strip:
                del msg[name]
            raw = msg.as_bytes()
        self.dovecot.append(self.user, raw)
        return result
