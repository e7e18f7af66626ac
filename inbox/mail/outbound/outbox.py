"""Agents' mail out: queue a reply (forward, new conversation, auto-reply), then the worker sends it.

Queueing (``queue_reply``, ``queue_forward``, ``start_conversation``, ``queue_auto_reply``) builds
the MIME bytes once, stores them in an OutboxMessage next to the visible ThreadItem, and returns;
like inbox.conversations, these *flush* and the caller commits. ``send_due`` (the worker's step),
``cancel`` and ``retry`` commit themselves, because their conditional UPDATEs are what keep the
worker and an agent's "undo" from both winning.

Lifecycle of an OutboxMessage (mirrored on ThreadItem.send_status)::

    queued --claim--> sending --250--> sent
      ^  |               |--4xx/down--> queued (backoff) ... --max attempts--> failed
      |  +--undo--> cancelled           +--5xx--> failed          failed --retry()--> queued

Idempotence: "sending" is committed before the SMTP transaction and "sent" right after it. A row
left in "sending" means the process died mid-transaction; see ``_recover_stale`` for what happens
to it (never an automatic second copy).
"""

from __future__ import annotations

import logging
import os
import socket
from contextlib import nullcontext
from datetime import datetime

from flask import current_app

from ...extensions import db
from ...i18n import gettext as _
from ...i18n.formatting import format_datetime_zone
from ...models import OutboxMessage, ThreadItem, subject_number_format, utcnow
from . import compose
from .build import Recipients, default_recipients, include_number, load_attachments, queue_message, reply_anchor

log = logging.getLogger("inbox.outbox")
WORKER_ID = f"{socket.gethostname()}:{os.getpid()}"

__all__ = [
    "queue_reply",
    "queue_forward",
    "start_conversation",
    "queue_auto_reply",
    "cancel",
    "retry",
    "send_due",
    "outbox_for",
]


# --- queueing -------------------------------------------------------------------------------------


def queue_reply(
    conversation,
    user,
    text: str,
    html: str | None = None,
    *,
    to=None,
    cc=None,
    bcc=None,
    attachments=(),
    status_after: str | None = None,
    delay: float | None = None,
) -> ThreadItem:
    """Queue an agent's reply to the customer and return its ThreadItem (type "reply", send_status
    "queued"). The caller commits.

    ``to`` defaults to the latest customer message's Reply-To, else its From (our own addresses
    are never used); ``cc``/``bcc`` are lists of "a@x", "Name <a@x>", (name, email) or
    {"name", "email"}. In-Reply-To/References point at the latest customer message (References
    bounded to REFERENCES_MAX ids, keeping the first and the newest). Subject is "Re: <subject>"
    without stacking, with the number tag when the mailbox asks for it (see
    ``outbox_build.include_number``). From is "<agent name> <mailbox address>", Reply-To the
    mailbox's reply_to. The agent's then the mailbox's signature is appended; without ``html`` the
    HTML part is the escaped text. ``attachments``: (filename, content_type, bytes) tuples or
    Attachment rows. ``delay`` (seconds, default UNDO_SEND_SECONDS) is the undo-send window.
    ``status_after`` ("closed", "pending", ...) is applied through conversations.set_status.
    Fires ``message_sending`` before the MIME is frozen and ``agent_replied`` after queueing.
    """
    from ...conversations import set_status
    from ...plugin_host import host

    if not (text or "").strip() and not html:
        raise ValueError(_("a reply cannot be empty"))
    mailbox = conversation.mailbox
    anchor = reply_anchor(conversation)
    rcpt = Recipients.of(to if to is not None else default_recipients(conversation, anchor), cc, bcc)
    if not rcpt.to:
        raise ValueError(_("this reply has no recipient: add a To address"))
    refs = [*(anchor.references or []), anchor.message_id] if anchor and anchor.message_id else []
    number = conversation.number if include_number(mailbox) else None
    item = queue_message(
        conversation,
        item_type="reply",
        user=user,
        rcpt=rcpt,
        text=text,
        html=html,
        subject=compose.reply_subject(conversation.subject, number, subject_number_format()),
        from_addr=compose.address(user.name, mailbox.email),
        in_reply_to=anchor.message_id if anchor else None,
        references=compose.bound_references(refs, int(_cfg("REFERENCES_MAX", 20))),
        attachments=load_attachments(attachments),
        signatures=[user.signature, mailbox.signature],
        delay=_undo_delay(delay),
    )
    _after_agent_mail(conversation, item)
    if status_after:
        set_status(conversation, status_after, by=user)
    host().call("agent_replied", conversation=conversation, item=item, user=user)
    return item


def queue_forward(conversation, user, to, text: str = "", item: ThreadItem | None = None) -> ThreadItem:
    """Forward the whole conversation (customer messages and replies, never notes) or one ``item``,
    with their attachments, to ``to`` (an address or a list). Returns the "forward" ThreadItem.
    The forward carries our signed Message-ID, so an answer from the recipient threads back here.
    The caller commits. Fires ``message_sending`` and ``agent_replied``."""
    from ...plugin_host import host

    mailbox = conversation.mailbox
    rcpt = Recipients.of([to] if isinstance(to, str) else to, None, None)
    if not rcpt.to:
        raise ValueError(_("a forward needs a recipient"))
    if item is not None:
        items = [item]
    else:
        items = [
            i
            for i in conversation.items
            if i.type in ("customer", "reply", "forward", "auto_reply") and i.send_status not in ("cancelled", "failed")
        ]
    body = (text or "").rstrip()
    for it in items:
        # the agent's words to a third party: in the agent's language, the date in the agent's zone
        sender = f"{it.from_name or ''} <{it.from_email or ''}>"
        recipients = ", ".join(t.get("email", "") for t in (it.to or []))
        body += (
            "\n\n"
            + _("---------- Forwarded message ----------")
            + "\n"
            + _("From: %(sender)s", sender=sender)
            + "\n"
            + _("Date: %(date)s", date=format_datetime_zone(it.date))
            + "\n"
            + _("Subject: %(subject)s", subject=it.subject or conversation.subject)
            + "\n"
            + _("To: %(recipients)s", recipients=recipients)
            + "\n\n"
            + (it.text or "").strip()
            + "\n"
        )
    attachments = load_attachments([a for it in items for a in it.attachments])
    fwd = queue_message(
        conversation,
        item_type="forward",
        user=user,
        rcpt=rcpt,
        text=body.lstrip("\n"),
        html=None,
        subject=compose.forward_subject(conversation.subject),
        from_addr=compose.address(user.name, mailbox.email),
        in_reply_to=None,
        references=[],
        attachments=attachments,
        signatures=[user.signature],
        delay=_undo_delay(None),
        new_text=text,
    )
    conversation.last_activity_at = utcnow()
    host().call("agent_replied", conversation=conversation, item=fwd, user=user)
    return fwd


def start_conversation(
    mailbox,
    user,
    to,
    subject: str,
    text: str,
    html: str | None = None,
    cc=None,
    bcc=None,
    attachments=(),
    status_after: str | None = None,
):
    """A new outbound conversation (source "agent") whose customer is the first To address, with
    the agent's message queued as its first item (type "reply"). Returns the Conversation; the
    caller commits. Fires ``message_sending`` and ``conversation_created`` (not ``agent_replied``)."""
    from ...conversations import new_conversation, set_status
    from ...customers import customer_for
    from ...plugin_host import host

    if not (subject or "").strip():
        raise ValueError(_("a new conversation needs a subject"))
    if not (text or "").strip() and not html:
        raise ValueError(_("a message cannot be empty"))
    rcpt = Recipients.of([to] if isinstance(to, str) else to, cc, bcc)
    if not rcpt.to:
        raise ValueError(_("a new conversation needs a recipient"))
    first = rcpt.to[0]
    customer = customer_for(first.addr_spec, first.display_name or None)
    conv = new_conversation(
        mailbox_id=mailbox.id, subject=subject.strip(), customer_id=customer.id, source="agent", status="active"
    )
    conv.mailbox, conv.customer = mailbox, customer
    item = queue_message(
        conv,
        item_type="reply",
        user=user,
        rcpt=rcpt,
        text=text,
        html=html,
        subject=subject.strip(),
        from_addr=compose.address(user.name, mailbox.email),
        in_reply_to=None,
        references=[],
        attachments=load_attachments(attachments),
        signatures=[user.signature, mailbox.signature],
        delay=_undo_delay(None),
    )
    _after_agent_mail(conv, item)
    if status_after:
        set_status(conv, status_after, by=user)
    host().call("conversation_created", conversation=conv, item=item, history=False)
    return conv


MAX_AUTO_RECIPIENTS = 1  # automatic mail never fans out (security review, finding 9)


def queue_auto_reply(
    conversation,
    in_reply_to_item: ThreadItem,
    subject: str,
    text: str,
    html: str | None = None,
    to: list[tuple[str, str]] | None = None,
) -> ThreadItem:
    """Queue an automatic answer to a customer message (type "auto_reply", sent without an undo
    delay) with ``Auto-Submitted: auto-replied`` and ``X-Auto-Response-Suppress: All``, so that
    other robots do not answer it. From is the mailbox (from_name, else its name). ``to``: the
    (name, address) to answer, else the first of the reply's default recipients; never more than
    MAX_AUTO_RECIPIENTS, never Cc. The caller commits. Fires ``message_sending`` only."""
    mailbox = conversation.mailbox
    rcpt = Recipients.of((to or default_recipients(conversation, in_reply_to_item))[:MAX_AUTO_RECIPIENTS], None, None)
    rcpt.to = rcpt.to[:MAX_AUTO_RECIPIENTS]  # one "a@x, b@y" string would parse into two
    if not rcpt.to:
        raise ValueError(_("the message has no address to answer"))
    refs = [*(in_reply_to_item.references or []), in_reply_to_item.message_id]
    return queue_message(
        conversation,
        item_type="auto_reply",
        user=None,
        rcpt=rcpt,
        text=text,
        html=html,
        subject=subject,
        from_addr=compose.address(mailbox.from_name or mailbox.name, mailbox.email),
        in_reply_to=in_reply_to_item.message_id,
        references=compose.bound_references(refs, int(_cfg("REFERENCES_MAX", 20))),
        attachments=[],
        signatures=[],
        delay=0,
        extra_headers={"Auto-Submitted": "auto-replied", "X-Auto-Response-Suppress": "All"},
    )


def _after_agent_mail(conversation, item: ThreadItem) -> None:
    now = utcnow()
    conversation.last_activity_at = now
    if conversation.first_response_at is None:
        conversation.first_response_at = now
        item.event = {"first_response": True}  # lets cancel() undo it
    conversation.preview = " ".join((item.new_text or item.text or "").split())[:300]


def _undo_delay(delay: float | None) -> float:
    return float(_cfg("UNDO_SEND_SECONDS", 10) if delay is None else delay)


def _cfg(key: str, default=None):
    return current_app.config.get(key, default)


# --- undo and retry ---------------------------------------------------------------------------------


def outbox_for(item_or_outbox) -> OutboxMessage | None:
    if isinstance(item_or_outbox, OutboxMessage):
        return item_or_outbox
    return db.session.execute(
        db.select(OutboxMessage)
        .where(OutboxMessage.item_id == item_or_outbox.id)
        .order_by(OutboxMessage.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def cancel(item_or_outbox) -> bool:
    """Undo send: True if the message was still queued and unclaimed, and now never will be sent.

    The ThreadItem stays, with send_status "cancelled" and the agent's words in ``new_text`` (the
    whole sent text in ``text``) so the editor can take them back, like Help Scout's undo turning
    the reply into a draft again. A first-response time set by this reply is cleared. Commits.
    """
    row = outbox_for(item_or_outbox)
    if row is None:
        return False
    done = (
        db.session.execute(
            db.update(OutboxMessage)
            .where(OutboxMessage.id == row.id, OutboxMessage.status == "queued", OutboxMessage.claimed_by.is_(None))
            .values(status="cancelled", last_error=None)
        ).rowcount
        == 1
    )
    if done:
        item = db.session.get(ThreadItem, row.item_id) if row.item_id else None
        if item is not None:
            item.send_status, item.send_error = "cancelled", None
            conv = item.conversation
            if (item.event or {}).get("first_response") and conv is not None:
                conv.first_response_at = None
                item.event = None
    db.session.commit()
    db.session.refresh(row)
    return done


def retry(item_or_outbox) -> bool:
    """Queue a failed message again, now, with a fresh attempt budget. Commits.

    The bytes (and Message-ID) are the same, so if an "interrupted" message had in fact arrived,
    the second copy carries the same Message-ID and most clients show it once.
    """
    row = outbox_for(item_or_outbox)
    if row is None:
        return False
    done = (
        db.session.execute(
            db.update(OutboxMessage)
            .where(OutboxMessage.id == row.id, OutboxMessage.status == "failed")
            .values(status="queued", attempts=0, next_attempt_at=utcnow(), claimed_by=None, claimed_at=None)
        ).rowcount
        == 1
    )
    if done and row.item_id:
        db.session.execute(
            db.update(ThreadItem).where(ThreadItem.id == row.item_id).values(send_status="queued", send_error=None)
        )
    db.session.commit()
    db.session.refresh(row)
    return done


# --- the worker's step ------------------------------------------------------------------------------


def send_due(app=None, now: datetime | None = None, limit: int = 50, worker_id: str | None = None) -> dict:
    """Send what is due; returns counts {"sent", "retrying", "failed", "recovered", "appended"}.

    ``now`` (aware UTC) decides what is due and when retries are scheduled; claims use the clock.
    Safe to run from several processes at once: a row is claimed by a conditional UPDATE.
    """
    from .worker import run_once

    with app.app_context() if app is not None else nullcontext():
        return run_once(now or utcnow(), limit, worker_id or WORKER_ID)
