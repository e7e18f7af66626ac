"""IMAP sync against a real Dovecot: incremental passes, the first-sync window, --history, no
changes on the server. Helpers here are shared by the other sync test modules."""

from __future__ import annotations

import email.utils
import itertools
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage

from sqlalchemy import func, select

from inbox.extensions import db
from inbox.models import Conversation, MessageRef, RawMessage, ThreadItem

_seq = itertools.count(1)


def make_mail(
    subject="Help please",
    frm="Ann Customer <ann@customer.test>",
    to="support@support.test",
    body="My order has not arrived.",
    message_id: str | None = None,
    in_reply_to: str | None = None,
    references: list[str] | None = None,
    date: datetime | None = None,
    attachments: list[tuple[str, str, bytes]] = (),
    headers: dict | None = None,
) -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = frm, to, subject
    msg["Message-ID"] = f"<{message_id or f'm{next(_seq)}.{id(msg)}@customer.test'}>"
    msg["Date"] = email.utils.format_datetime(date or datetime.now(timezone.utc))
    if in_reply_to:
        msg["In-Reply-To"] = f"<{in_reply_to}>"
    if references:
        msg["References"] = " ".join(f"<{r}>" for r in references)
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body)
    for filename, ctype, data in attachments:
        maintype, subtype = ctype.split("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return msg.as_bytes()


def sync(mailbox, history=False):
    from inbox.mail.inbound.sync import sync_mailbox

    stats, busy = sync_mailbox(mailbox, history=history)
    assert not busy
    return stats


def our_reply(conv: Conversation, text="We are on it.", domain="support.test") -> ThreadItem:
    """What the outbox leaves behind for a sent reply: an item with our signed Message-ID."""
    from inbox.mail.tokens import make_message_id

    mid = make_message_id(conv.id, domain)
    item = ThreadItem(
        conversation_id=conv.id,
        type="reply",
        source="web",
        message_id=mid,
        text=text,
        from_email=conv.mailbox.email,
        send_status="sent",
        subject="Re: " + conv.subject,
    )
    db.session.add(item)
    db.session.flush()
    db.session.add(MessageRef(mailbox_id=conv.mailbox_id, item_id=item.id, ref=mid, own=True))
    db.session.commit()
    return item


def count(model, *where) -> int:
    return db.session.execute(select(func.count()).select_from(model).where(*where)).scalar()


def conv_of(message_id: str) -> Conversation:
    item = db.session.execute(select(ThreadItem).where(ThreadItem.message_id == message_id)).scalars().one()
    return db.session.get(Conversation, item.conversation_id)


def test_incremental_sync_imports_new_mail_once(mailbox, dovecot, imap_account):
    user, _ = imap_account
    dovecot.append(
        user,
        make_mail(
            subject="First", message_id="a1@c.test", attachments=[("invoice.pdf", "application/pdf", b"%PDF-1.4 fake")]
        ),
    )
    dovecot.append(user, make_mail(subject="Second", frm="bob@other.test", message_id="b1@c.test"))
    stats = sync(mailbox)
    assert (stats.fetched, stats.new_conversations, stats.duplicates) == (2, 2, 0)
    assert sync(mailbox).fetched == 0  # nothing new: nothing fetched again
    dovecot.append(user, make_mail(subject="Third", message_id="c1@c.test"))
    stats = sync(mailbox)
    assert (stats.fetched, stats.new_conversations) == (1, 1)
    assert count(RawMessage) == 3 and count(Conversation) == 3
    first = conv_of("a1@c.test")
    assert first.subject == "First" and first.customer.email == "ann@customer.test"
    assert first.preview.startswith("My order has not arrived")
    att = first.items[0].attachments[0]
    assert (att.filename, att.content_type, att.size) == ("invoice.pdf", "application/pdf", 13)
    from inbox.storage import read

    assert read(att.sha256) == b"%PDF-1.4 fake"
    # Ann's two conversations share one customer
    assert conv_of("c1@c.test").customer_id == first.customer_id


def test_sync_never_marks_mail_seen(mailbox, dovecot, imap_account):
    user, _ = imap_account
    dovecot.append(user, make_mail(message_id="unseen@c.test"))
    sync(mailbox)
    with dovecot.client(user) as c:
        c.select_folder("INBOX")
        flags = c.get_flags(c.search("ALL"))
    assert len(flags) == 1 and all(b"\\Seen" not in f for f in flags.values())


def test_first_sync_takes_a_window_and_history_takes_the_rest(mailbox, dovecot, imap_account, app):
    user, _ = imap_account
    mailbox.history_days = 10
    db.session.commit()
    old = datetime.now(timezone.utc) - timedelta(days=40)
    with dovecot.client(user) as c:
        c.append("INBOX", make_mail(subject="Old", message_id="old@c.test", date=old), msg_time=old)
        c.append("INBOX", make_mail(subject="Recent", message_id="recent@c.test"))
    stats = sync(mailbox)
    assert stats.fetched == 1 and count(ThreadItem, ThreadItem.message_id == "old@c.test") == 0
    # the old message stays skipped by ordinary passes...
    assert sync(mailbox).fetched == 0
    # ...until --history imports everything not yet imported
    stats = sync(mailbox, history=True)
    assert stats.fetched == 1 and stats.new_conversations == 1
    assert conv_of("old@c.test").subject == "Old"
    assert sync(mailbox, history=True).fetched == 0
    assert count(RawMessage) == 2


def test_several_folders(mailbox, dovecot, imap_account):
    user, _ = imap_account
    mailbox.folders = ["INBOX", "Support"]
    db.session.commit()
    dovecot.append(user, make_mail(message_id="in-inbox@c.test"))
    dovecot.append(user, make_mail(message_id="in-support@c.test"), folder="Support")
    assert sync(mailbox).fetched == 2
    assert {r.folder for r in db.session.execute(select(RawMessage)).scalars()} == {"INBOX", "Support"}
