"""System mail from the portal (sign-in links): queued in the outbox like any other mail, so an
SMTP outage delays it instead of losing it. Not part of any conversation."""
from __future__ import annotations

import secrets

from flask import current_app

from ..extensions import db
from ..models import Mailbox, OutboxMessage, utcnow


def portal_mailbox() -> Mailbox | None:
    """The mailbox system mail is sent from: PORTAL_MAILBOX by name, else the first portal one."""
    name = current_app.config.get("PORTAL_MAILBOX")
    query = db.select(Mailbox).where(Mailbox.active.is_(True), Mailbox.portal_enabled.is_(True))
    if name:
        query = query.where(Mailbox.name == name)
    return db.session.execute(query.order_by(Mailbox.id).limit(1)).scalar_one_or_none()


def send_system_mail(to: str, subject: str, text: str) -> OutboxMessage | None:
    from ..mail.outbound import compose

    mailbox = portal_mailbox()
    if mailbox is None:
        current_app.logger.warning("portal mail not sent: no mailbox has the portal enabled")
        return None
    domain = mailbox.email.rsplit("@", 1)[-1]
    message_id = f"portal.{secrets.token_hex(12)}@{domain}"
    from ..themes import branding

    msg = compose.build_message(
        from_addr=compose.address(branding()["name"], mailbox.email), to=[compose.address("", to)],
        subject=subject, message_id=message_id, text=text,
        extra_headers={"Auto-Submitted": "auto-generated"})
    row = OutboxMessage(mailbox_id=mailbox.id, status="queued", message_id=message_id,
                        envelope_from=mailbox.email, recipients=[to], mime=bytes(msg),
                        next_attempt_at=utcnow())
    db.session.add(row)
    return row
