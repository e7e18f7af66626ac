"""Helpers for tests of the core and of plugins: import a mail, sign people in."""

from __future__ import annotations

import re
import time
from email.message import EmailMessage


def mail_in(
    mailbox,
    sender: str,
    subject: str,
    body: str,
    name: str = "",
    message_id: str | None = None,
    in_reply_to: str | None = None,
):
    """Import one customer mail through the same importer IMAP mail goes through; returns its
    Conversation. No IMAP server needed (tests of the pipeline itself use Dovecot)."""
    from ..extensions import db
    from ..mail.inbound.ingest import Ingestor, prepare
    from ..models import Conversation, ThreadItem

    msg = EmailMessage()
    msg["From"] = f"{name} <{sender}>" if name else sender
    msg["To"] = mailbox.email
    msg["Subject"] = subject
    msg["Message-ID"] = f"<{message_id or re.sub(r'[^a-z0-9]', '', subject.lower()) + '.' + sender}>"
    if in_reply_to:
        msg["In-Reply-To"] = f"<{in_reply_to}>"
    msg.set_content(body)
    fetched = prepare(None, msg.as_bytes())
    Ingestor(mailbox, "INBOX", None).store([fetched])
    item = db.session.execute(
        db.select(ThreadItem).where(ThreadItem.message_id == fetched.parsed.message_id)
    ).scalar_one()
    return db.session.get(Conversation, item.conversation_id)


def login(client, user) -> None:
    """Sign an agent or admin in on a Flask test client without going through the form."""
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True


def portal_sign_in(client, customer, email: str | None = None) -> None:
    """Sign a customer in to the portal on a Flask test client."""
    with client.session_transaction() as session:
        session["portal_customer_id"] = customer.id
        session["portal_email"] = email or customer.email
        session["portal_generation"] = customer.portal_generation or 0
        session["portal_signed_in_at"] = time.time()
