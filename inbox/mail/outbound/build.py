"""Turning an agent's (or the system's) message into a ThreadItem plus a frozen OutboxMessage.

The pieces outbox.py's queue_* functions share: who a reply goes to, what it threads on, and
the one place where the MIME is built, shown to plugins (``message_sending``) and frozen.
"""

from __future__ import annotations

import email.parser
import email.policy
import re
from dataclasses import dataclass, field
from datetime import timedelta
from email.headerregistry import Address

from flask import current_app

from ...extensions import db
from ...i18n import gettext as _
from ...i18n.formatting import format_filesize
from ...models import Attachment, MessageRef, OutboxMessage, RawMessage, ThreadItem, get_setting, utcnow
from ..parse.engine import addresses, clean_name, raw_headers
from ..tokens import make_message_id
from . import compose


@dataclass
class Recipients:
    to: list[Address] = field(default_factory=list)
    cc: list[Address] = field(default_factory=list)
    bcc: list[Address] = field(default_factory=list)

    @classmethod
    def of(cls, to, cc, bcc) -> Recipients:
        return cls(compose.addresses(to), compose.addresses(cc), compose.addresses(bcc))


def _as_json(addrs: list[Address]) -> list[dict]:
    return [{"name": a.display_name, "email": a.addr_spec} for a in addrs]


def reply_anchor(conversation) -> ThreadItem | None:
    """The message a reply answers: the latest customer message with a Message-ID; in a conversation
    the customer has not written to yet, our latest outgoing message that was not withdrawn."""
    base = (
        db.select(ThreadItem)
        .where(ThreadItem.conversation_id == conversation.id, ThreadItem.message_id.is_not(None))
        .order_by(ThreadItem.id.desc())
    )
    item = db.session.execute(base.where(ThreadItem.type == "customer").limit(1)).scalar_one_or_none()
    if item is None:
        item = db.session.execute(
            base.where(
                ThreadItem.type.in_(("reply", "forward")), ThreadItem.send_status.not_in(("cancelled", "failed"))
            ).limit(1)
        ).scalar_one_or_none()
    return item


def _usable(email: str | None) -> bool:
    return bool(email) and "@" in email and not any(c.isspace() or ord(c) < 32 for c in email) and len(email) <= 320


def _parse_reply_to(data: bytes) -> list[tuple[str, str]]:
    """Reply-To from raw bytes with the importer's own lenient parser: a broken address is skipped,
    never raised (one encoded CR/LF in a display name once made a conversation 500 for everybody)."""

    head = re.split(rb"\r?\n\r?\n", data, maxsplit=1)[0]
    try:
        _first, values = raw_headers(email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(head))
        return [(n, e) for n, e in addresses(values.get("reply-to", []), None) if _usable(e)]
    except Exception:  # noqa: BLE001  a header too broken to read gives no Reply-To
        return []


def stored_reply_to(item: ThreadItem) -> list[tuple[str, str]]:
    """The Reply-To addresses stored at import; rows imported before migration 0009 are parsed
    once, defensively, and the result kept on the row."""

    if item.reply_to is None:
        raw = db.session.get(RawMessage, item.raw_message_id) if item.raw_message_id else None
        pairs = _parse_reply_to(raw.data) if raw is not None and raw.data else []
        item.remember(reply_to=[{"name": n, "email": e} for n, e in pairs])
    return [
        (clean_name(r.get("name") or ""), r["email"].strip().lower())
        for r in item.reply_to
        if isinstance(r, dict) and _usable(r.get("email"))
    ]


@dataclass
class ReplyTargets:
    to: list[tuple[str, str]]  # what the reply form is pre-filled with
    # addresses the latest message asked for, or its sender, that are not the customer's: shown to
    # the agent next to the form, never pre-filled (anyone can write "Re: [#N]" or set a Reply-To)
    others: list[tuple[str, str]] = field(default_factory=list)
    reply_to_used: bool = False  # the To is the sender's Reply-To rather than the sender


def _domain(addr: str) -> str:
    return addr.rpartition("@")[2].lower()


def reply_targets(conversation, anchor: ThreadItem | None) -> ReplyTargets:
    """Where a reply goes. For a customer message: its sender when the sender is the customer (one
    of their addresses), or the sender's Reply-To when that is the customer's too or in the sender's
    own domain; anyone else the message names is listed in ``others`` for the agent to add. For our
    own anchor message, its To. Failing all, the customer's first address. Our own addresses are
    dropped (mail loops)."""
    ours = conversation.mailbox.addresses
    customer = conversation.customer
    theirs = {e.email.lower() for e in customer.emails} if customer is not None else set()
    to: list[tuple[str, str]] = []
    others: list[tuple[str, str]] = []
    used = False
    if anchor is not None and anchor.type == "customer":
        sender = (anchor.from_email or "").lower()
        asked = stored_reply_to(anchor)
        sender_pair = [(anchor.from_name or "", sender)] if _usable(sender) else []
        if customer is None:  # nobody to compare with: as the message asks
            to, used = (asked, True) if asked else (sender_pair, False)
        elif sender in theirs:
            trusted = [(n, e) for n, e in asked if e in theirs or _domain(e) == _domain(sender)]
            to, used = (trusted, True) if trusted else (sender_pair, False)
            others = [(n, e) for n, e in asked if (n, e) not in trusted]
        else:  # someone else wrote last: the reply still goes to the customer
            others = asked or sender_pair
    elif anchor is not None:
        to = [(t.get("name") or "", t.get("email")) for t in anchor.to or [] if _usable(t.get("email"))]
    to = [(n, e) for n, e in to if e.lower() not in ours]
    if not to and customer is not None and customer.email:
        to = [(customer.name or "", customer.email)]
        used = False
    taken = {e.lower() for _n, e in to}
    others = [(n, e) for n, e in others if e.lower() not in ours and e.lower() not in taken]
    return ReplyTargets(to, others, used)


def default_recipients(conversation, anchor: ThreadItem | None) -> list[tuple[str, str]]:
    """Where a reply goes by default (see reply_targets)."""
    return reply_targets(conversation, anchor).to


def include_number(mailbox) -> bool:
    """Whether subjects carry "[#N]": Setting "mailbox.<id>.subject_number" if set, else app config
    SUBJECT_INCLUDE_NUMBER (off by default, as in Help Scout: the signed Message-ID threads)."""
    value = get_setting(f"mailbox.{mailbox.id}.subject_number")
    if value is None:
        value = current_app.config.get("SUBJECT_INCLUDE_NUMBER", False)
    return bool(value)


def load_attachments(values) -> list[compose.OutAttachment]:
    """(filename, content_type, bytes) tuples or Attachment rows -> bytes in hand, size-checked."""
    from ... import storage

    out = []
    for value in values or ():
        if isinstance(value, Attachment):
            out.append(compose.OutAttachment(value.filename, value.content_type, storage.read(value.sha256)))
        elif isinstance(value, compose.OutAttachment):
            out.append(value)
        else:
            filename, content_type, data = value
            out.append(compose.OutAttachment(filename, content_type or "application/octet-stream", bytes(data)))
    limit = current_app.config.get("MAX_ATTACHMENT_BYTES")
    if limit and sum(len(a.data) for a in out) > limit:
        raise ValueError(_("attachments exceed %(size)s", size=format_filesize(limit)))
    return out


def queue_message(
    conversation,
    *,
    item_type: str,
    user,
    rcpt: Recipients,
    text: str,
    html: str | None,
    subject: str,
    from_addr: Address,
    in_reply_to: str | None,
    references: list[str],
    attachments: list[compose.OutAttachment],
    signatures: list,
    delay: float,
    extra_headers: dict | None = None,
    new_text: str | None = None,
) -> ThreadItem:
    """Create the ThreadItem and its OutboxMessage with the MIME built and frozen (flushes only)."""
    from ... import storage
    from ...plugin_host import host

    mailbox = conversation.mailbox
    now = utcnow()
    full_text, full_html = compose.with_signature(text or "", html, signatures)
    message_id = make_message_id(conversation.id, mailbox.email.rpartition("@")[2])
    reply_to = compose.addresses([mailbox.reply_to]) if mailbox.reply_to else []
    item = ThreadItem(
        conversation_id=conversation.id,
        type=item_type,
        author_id=user.id if user else None,
        source="web" if user else "system",
        message_id=message_id,
        in_reply_to=in_reply_to,
        references=list(references),
        from_name=from_addr.display_name,
        from_email=mailbox.email,
        to=_as_json(rcpt.to),
        cc=_as_json(rcpt.cc),
        bcc=_as_json(rcpt.bcc),
        subject=subject,
        date=now,
        text=full_text,
        html=full_html,
        new_text=text if new_text is None else new_text,
        is_auto_reply=item_type == "auto_reply",
        send_status="queued",
    )
    db.session.add(item)
    db.session.flush()
    for att in attachments:
        item.attachments.append(
            Attachment(
                filename=att.filename, content_type=att.content_type, size=len(att.data), sha256=storage.store(att.data)
            )
        )
    msg = compose.build_message(
        from_addr=from_addr,
        to=rcpt.to,
        cc=rcpt.cc,
        reply_to=reply_to,
        subject=subject,
        message_id=message_id,
        text=full_text,
        html=full_html,
        in_reply_to=in_reply_to,
        references=references,
        attachments=attachments,
        date=now,
        extra_headers=extra_headers,
    )
    host().call("message_sending", message=msg, conversation=conversation, item=item)
    envelope = _envelope_after_plugins(msg, rcpt)
    item.subject = str(msg.get("Subject", subject))
    db.session.add(
        OutboxMessage(
            item_id=item.id,
            mailbox_id=mailbox.id,
            status="queued",
            message_id=message_id,
            envelope_from=mailbox.email,
            recipients=envelope,
            mime=msg.as_bytes(policy=compose.POLICY),
            attempts=0,
            next_attempt_at=now + timedelta(seconds=max(delay, 0)),
            append_to_sent=bool(mailbox.sent_folder and mailbox.imap_host),
        )
    )
    for ref, own in [(message_id, True), *((r, False) for r in {*references, in_reply_to} if r)]:
        db.session.add(MessageRef(mailbox_id=mailbox.id, item_id=item.id, ref=ref, own=own))
    db.session.flush()
    return item


def _envelope_after_plugins(msg, rcpt: Recipients) -> list[str]:
    """Recipients from the final To/Cc headers (a plugin may have added a Cc) plus Bcc, which
    never stays a header: a plugin's Bcc header is moved into the envelope."""
    extra_bcc = []
    for value in msg.get_all("Bcc") or []:
        extra_bcc.extend(getattr(value, "addresses", ()))
    del msg["Bcc"]
    seen, out = set(), []
    header_addrs = [a for name in ("To", "Cc") for v in msg.get_all(name) or [] for a in getattr(v, "addresses", ())]
    for a in [*header_addrs, *rcpt.bcc, *extra_bcc]:
        if a.addr_spec and a.addr_spec.lower() not in seen:
            seen.add(a.addr_spec.lower())
            out.append(a.addr_spec)
    return out
