"""Shared set-up for the portal tests: a customer with a conversation that came in by mail."""
from __future__ import annotations

import re
from email.message import EmailMessage

from inbox.extensions import db
from inbox.mail.ingest import Ingestor, prepare
from inbox.models import Conversation, ThreadItem


def mail_in(mailbox, sender: str, subject: str, body: str, name: str = "", message_id: str | None = None,
            in_reply_to: str | None = None) -> Conversation:
    """Import one customer mail the way IMAP mail is imported; returns its conversation."""
    msg = EmailMessage()
    msg["From"] = f"{name} <{sender}>" if name else sender
    msg["To"] = mailbox.email
    msg["Subject"] = subject
    msg["Message-ID"] = f"<{message_id or re.sub(r'[^a-z0-9]', '', subject.lower()) + sender}>"
    if in_reply_to:
        msg["In-Reply-To"] = f"<{in_reply_to}>"
    msg.set_content(body)
    fetched = prepare(None, msg.as_bytes())
    Ingestor(mailbox, "INBOX", None).store([fetched])
    item = db.session.execute(db.select(ThreadItem).where(
        ThreadItem.message_id == fetched.parsed.message_id)).scalar_one()
    return db.session.get(Conversation, item.conversation_id)


def sign_in_as(client, customer, email: str | None = None) -> None:
    with client.session_transaction() as session:
        session["portal_customer_id"] = customer.id
        session["portal_email"] = email or customer.email


def link_from(message) -> str:
    body = message.get_body(preferencelist=("plain",)).get_content()
    return re.search(r"(http://\S+/portal/sign-in/\S+)", body).group(1)
