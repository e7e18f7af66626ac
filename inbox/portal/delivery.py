"""A portal post becomes a customer message exactly as if it had been mailed.

The post is written as RFC 822 bytes (From the customer, To the mailbox, In-Reply-To/References
pointing at the conversation's latest message) and handed to the same importer IMAP mail goes
through, so threading, hooks (auto-responder, notifications) and the stored raw copy are the same.
"""

from __future__ import annotations

import re
import secrets
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr

from ..extensions import db
from ..models import Conversation, Customer, Mailbox, ThreadItem, utcnow


def _latest_ids(conv: Conversation) -> list[str]:
    rows = db.session.execute(
        db.select(ThreadItem.message_id)
        .where(ThreadItem.conversation_id == conv.id, ThreadItem.message_id.is_not(None))
        .order_by(ThreadItem.id.desc())
        .limit(10)
    ).scalars()
    return list(reversed(list(rows)))


_CONTROLS = re.compile(r"[\x00-\x1f\x7f]")
_MIME_TYPE = re.compile(r"[A-Za-z0-9.+-]+/[A-Za-z0-9.+-]+")


def one_line(value: str | None) -> str:
    """Whatever a person typed (subject, name, filename) as one header-safe line: CR, LF and other
    control characters become spaces (the stdlib rightly raises on them in a header)."""
    return " ".join(_CONTROLS.sub(" ", value or "").split())


def build_raw(
    mailbox: Mailbox,
    customer: Customer,
    email: str,
    subject: str,
    text: str,
    attachments=(),
    conversation: Conversation | None = None,
) -> bytes:
    msg = EmailMessage(policy=SMTP)
    subject = one_line(subject)
    msg["From"] = formataddr((one_line(customer.name), email))
    msg["To"] = formataddr((one_line(mailbox.name), mailbox.email))
    if conversation is not None:
        subject = subject if subject.lower().startswith("re:") else f"Re: {subject}"
    msg["Subject"] = subject
    msg["Date"] = format_datetime(utcnow())
    domain = mailbox.email.rsplit("@", 1)[-1]
    msg["Message-ID"] = f"<portal.{secrets.token_hex(12)}@{domain}>"
    msg["X-Inbox-Source"] = "portal"
    if conversation is not None:
        refs = _latest_ids(conversation)
        if refs:
            msg["In-Reply-To"] = f"<{refs[-1]}>"
            msg["References"] = " ".join(f"<{r}>" for r in refs)
    msg.set_content(text if text.endswith("\n") else text + "\n", charset="utf-8")
    for filename, content_type, data in attachments:
        content_type = content_type if _MIME_TYPE.fullmatch(content_type or "") else "application/octet-stream"
        maintype, _, subtype = content_type.partition("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=one_line(filename) or "attachment")
    return msg.as_bytes()


def deliver_from_customer(
    mailbox: Mailbox,
    customer: Customer,
    email: str,
    subject: str,
    text: str,
    attachments=(),
    conversation: Conversation | None = None,
) -> Conversation:
    """Import the post through the mail importer (which commits); returns its conversation."""
    from ..mail.inbound.ingest import Ingestor, prepare

    raw = build_raw(mailbox, customer, email, subject, text, attachments, conversation)
    fetched = prepare(None, raw)
    Ingestor(mailbox, "portal", None).store([fetched])
    item = db.session.execute(
        db.select(ThreadItem).where(ThreadItem.message_id == fetched.parsed.message_id)
    ).scalar_one()
    item.source = "portal"
    conv = db.session.get(Conversation, item.conversation_id)
    if conversation is None and conv.source == "email":
        conv.source = "portal"
    return conv
