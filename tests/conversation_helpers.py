"""Data builders shared by the conversation, compose and attachment tests."""

from __future__ import annotations

import itertools
from datetime import timedelta

from inbox import storage
from inbox.extensions import db
from inbox.models import Attachment, Conversation, Customer, CustomerEmail, Mailbox, ThreadItem, User, utcnow

_n = itertools.count(1)


def make_user(name="Anna Agent", role="agent", mailboxes=(), email=None, password="correct horse battery") -> User:
    user = User(email=email or f"agent{next(_n)}@team.test", name=name, role=role)
    user.set_password(password)
    user.mailboxes = list(mailboxes)
    db.session.add(user)
    db.session.commit()
    return user


def make_mailbox(name=None, email=None) -> Mailbox:
    n = next(_n)
    mb = Mailbox(name=name or f"Support {n}", email=email or f"support{n}@help.test")
    db.session.add(mb)
    db.session.commit()
    return mb


def make_conversation(
    mailbox: Mailbox,
    subject="Where is my order?",
    customer_email=None,
    customer_name="Carla Customer",
    text="Hello,\nmy order has not arrived.",
    html=None,
    quoted="",
    message_id=None,
) -> Conversation:
    from inbox.conversations import next_number

    customer = Customer(name=customer_name)
    customer.emails.append(CustomerEmail(email=customer_email or f"carla{next(_n)}@customer.test"))
    db.session.add(customer)
    db.session.flush()
    conv = Conversation(
        number=next_number(),
        mailbox_id=mailbox.id,
        subject=subject,
        customer_id=customer.id,
        last_customer_at=utcnow() - timedelta(minutes=5),
    )
    db.session.add(conv)
    db.session.flush()
    add_customer_message(conv, text=text, html=html, quoted=quoted, message_id=message_id)
    db.session.commit()
    return conv


def add_customer_message(
    conv: Conversation, text="More details", html=None, quoted="", message_id=None, attachments=()
) -> ThreadItem:
    customer = conv.customer
    item = ThreadItem(
        conversation_id=conv.id,
        type="customer",
        customer_id=customer.id,
        source="email",
        message_id=message_id or f"m{next(_n)}@customer.test",
        from_name=customer.name,
        from_email=customer.email,
        to=[{"name": "", "email": conv.mailbox.email}],
        subject=conv.subject,
        text=text + (("\n\n" + quoted) if quoted else ""),
        html=html,
        new_text=text,
        quoted_text=quoted or None,
    )
    db.session.add(item)
    db.session.flush()
    for filename, content_type, data, cid in attachments:
        item.attachments.append(
            Attachment(
                filename=filename,
                content_type=content_type,
                size=len(data),
                sha256=storage.store(data),
                content_id=cid,
                inline=bool(cid),
            )
        )
    db.session.commit()
    return item


def login(client, user: User) -> None:
    with client.session_transaction() as sess:
        sess["_user_id"] = str(user.id)
        sess["_fresh"] = True


PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d4944415478da63f8cfc0f01f0005000201a5f1c1a20000000049454e44ae426082"
)
