"""Mail the system itself sends (password reset, invitations, portal sign-in links): one rule for
which mailbox sends it, and one road out, the outbox, so an SMTP outage delays such mail instead of
losing it and no request waits on an SMTP server (review findings 10-11, issue 12 item 5)."""

from __future__ import annotations

import secrets

from flask import current_app

from .extensions import db
from .mail.outbound import compose
from .models import Mailbox, OutboxMessage, utcnow


def system_mailbox() -> Mailbox | None:
    """The mailbox system mail comes from: SYSTEM_MAILBOX (a name or address) when set, else the
    first active mailbox with an SMTP server, portal-enabled ones first (customers get their sign-in
    links from the address they wrote to). PORTAL_MAILBOX is the older name of SYSTEM_MAILBOX."""
    query = db.select(Mailbox).where(Mailbox.active.is_(True), Mailbox.smtp_host.is_not(None))
    wanted = current_app.config.get("SYSTEM_MAILBOX") or current_app.config.get("PORTAL_MAILBOX")
    if wanted:
        query = query.where((Mailbox.name == wanted) | (Mailbox.email == str(wanted).lower()))
    return db.session.execute(query.order_by(Mailbox.portal_enabled.desc(), Mailbox.id).limit(1)).scalar_one_or_none()


def build_system_mail(
    mailbox: Mailbox, to_name: str, to: str, subject: str, text: str, from_name: str | None = None
) -> tuple[str, bytes]:
    """(message_id, MIME bytes); separate from queueing so a caller can do the same work whether or
    not it will queue (no timing difference between known and unknown addresses)."""

    domain = mailbox.email.rsplit("@", 1)[-1]
    message_id = f"system.{secrets.token_hex(12)}@{domain}"
    msg = compose.build_message(
        from_addr=compose.address(from_name or mailbox.from_name or mailbox.name, mailbox.email),
        to=[compose.address(to_name, to)],
        subject=subject,
        message_id=message_id,
        text=text,
        extra_headers={"Auto-Submitted": "auto-generated"},
    )
    return message_id, bytes(msg)


def queue_system_mail(mailbox: Mailbox, to: str, message_id: str, mime: bytes) -> OutboxMessage:
    """Queue for the worker's send_due (retries and back-off as for any reply); the caller commits."""
    row = OutboxMessage(
        mailbox_id=mailbox.id,
        status="queued",
        message_id=message_id,
        envelope_from=mailbox.email,
        recipients=[to],
        mime=mime,
        next_attempt_at=utcnow(),
    )
    db.session.add(row)
    return row


def send_system_mail(
    to: str, subject: str, text: str, to_name: str = "", from_name: str | None = None
) -> OutboxMessage | None:
    mailbox = system_mailbox()
    if mailbox is None:
        current_app.logger.warning("system mail not sent: no active mailbox has an SMTP server")
        return None
    message_id, mime = build_system_mail(mailbox, to_name, to, subject, text, from_name=from_name)
    return queue_system_mail(mailbox, to, message_id, mime)
