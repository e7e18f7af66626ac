"""Helpers for the web tests (no tests here): people, mailboxes and conversations built through
the real models, and logging in through the real login form."""

from __future__ import annotations

import itertools
from datetime import timedelta

from inbox import conversations as convs
from inbox import storage
from inbox.customers import customer_for
from inbox.extensions import db
from inbox.models import Attachment, Conversation, Draft, Mailbox, ThreadItem, User, utcnow

PASSWORD = "correct horse battery"
_seq = itertools.count(1)


def make_user(
    name: str, role: str = "agent", mailboxes=(), email: str | None = None, password: str | None = PASSWORD
) -> User:
    user = User(name=name, email=email or f"{name.lower().replace(' ', '.')}.{next(_seq)}@team.test", role=role)
    if password:  # scrypt is deliberately slow; users who never log in skip it
        user.set_password(password)
    user.mailboxes = list(mailboxes)
    db.session.add(user)
    db.session.commit()
    return user


def make_mailbox(name: str | None = None, **kw) -> Mailbox:
    n = next(_seq)
    mb = Mailbox(name=name or f"Box {n}", email=kw.pop("email", f"box{n}@support.test"), **kw)
    db.session.add(mb)
    db.session.commit()
    return mb


def make_conversation(
    mailbox: Mailbox,
    subject: str = "Help with my order",
    text: str = "My order has not arrived.",
    customer_email: str | None = None,
    status: str = "active",
    assignee: User | None = None,
    tags=(),
    minutes_ago: int = 0,
    customer_name: str = "Casey Customer",
) -> Conversation:
    when = utcnow() - timedelta(minutes=minutes_ago)
    customer = customer_for(customer_email or f"casey{next(_seq)}@example.com", customer_name)
    db.session.flush()
    conv = Conversation(
        number=convs.next_number(),
        mailbox_id=mailbox.id,
        subject=subject,
        customer_id=customer.id,
        status=status,
        assignee_id=assignee.id if assignee else None,
        preview=text[:300],
        created_at=when,
        last_activity_at=when,
        last_customer_at=when,
    )
    db.session.add(conv)
    db.session.flush()
    db.session.add(
        ThreadItem(
            conversation_id=conv.id,
            type="customer",
            customer_id=customer.id,
            from_name=customer_name,
            from_email=customer.email,
            subject=subject,
            text=text,
            new_text=text,
            date=when,
            to=[{"name": mailbox.name, "email": mailbox.email}],
        )
    )
    for tag in tags:
        conv.tags.append(convs.tag_for(tag))
    db.session.commit()
    return conv


def add_attachment(item: ThreadItem, data: bytes = b"hello attachment", filename: str = "note.txt") -> Attachment:
    sha = storage.store(data)
    att = Attachment(item_id=item.id, filename=filename, content_type="text/plain", size=len(data), sha256=sha)
    db.session.add(att)
    db.session.commit()
    return att


def world(mailbox: Mailbox, user: User) -> dict:
    """One conversation in `mailbox` with an item, an attachment and a draft by `user`."""
    conv = make_conversation(mailbox)
    item = db.session.execute(db.select(ThreadItem).where(ThreadItem.conversation_id == conv.id)).scalars().first()
    att = add_attachment(item)
    draft = Draft(conversation_id=conv.id, mailbox_id=mailbox.id, user_id=user.id, body="draft text")
    db.session.add(draft)
    db.session.commit()
    return {
        "mailbox_id": mailbox.id,
        "conversation_id": conv.id,
        "number": conv.number,
        "item_id": item.id,
        "attachment_id": att.id,
        "draft_id": draft.id,
    }


def login(client, user: User, password: str = PASSWORD):
    resp = client.post("/login", data={"email": user.email, "password": password})
    assert resp.status_code == 302, resp.data[:500]
    return resp
