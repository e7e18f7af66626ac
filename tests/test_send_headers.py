"""Outgoing replies as a mail client reads them: threading headers, subject, addresses, MIME parts."""
from __future__ import annotations

import email
import email.policy

import pytest

from inbox.extensions import db
from inbox.mail import compose, outbox
from inbox.models import Conversation, Customer, CustomerEmail, RawMessage, ThreadItem, User


def make_user(name="Ann Agent", email_="ann@agents.test", role="agent", signature=None):
    user = User(email=email_, name=name, role=role, signature=signature)
    user.set_password("pw")
    db.session.add(user)
    db.session.flush()
    return user


def make_conversation(mailbox, subject="Printer on fire", from_name="Carl Customer", from_email="carl@cust.test",
                      message_id="m1@cust.test", references=(), raw_headers=""):
    customer = Customer(name=from_name)
    customer.emails.append(CustomerEmail(email=from_email))
    db.session.add(customer)
    db.session.flush()
    conv = Conversation(number=(db.session.query(db.func.max(Conversation.number)).scalar() or 0) + 1,
                        mailbox_id=mailbox.id, subject=subject, customer_id=customer.id)
    db.session.add(conv)
    db.session.flush()
    raw = None
    if raw_headers:
        data = (f"From: {from_name} <{from_email}>\r\nMessage-ID: <{message_id}>\r\n{raw_headers}"
                f"Subject: {subject}\r\n\r\nhello\r\n").encode()
        raw = RawMessage(mailbox_id=mailbox.id, folder="INBOX", message_id=message_id, dedup_key=message_id,
                         size=len(data), data=data)
        db.session.add(raw)
        db.session.flush()
    item = ThreadItem(conversation_id=conv.id, type="customer", customer_id=customer.id, message_id=message_id,
                      references=list(references), from_name=from_name, from_email=from_email,
                      subject=subject, text="It is on fire.", raw_message_id=raw.id if raw else None)
    db.session.add(item)
    db.session.commit()
    return conv


def sent(smtp_sink, count=1):
    smtp_sink.wait_for(count, timeout=5)
    return smtp_sink.parsed()


def test_reply_threads_in_the_customers_client(app, mailbox, smtp_sink):
    user = make_user()
    refs = [f"r{i}@x.test" for i in range(30)]
    conv = make_conversation(mailbox, subject="Re: RE: Aw: Printer on fire", references=refs)
    item = outbox.queue_reply(conv, user, "We are on it.")
    db.session.commit()
    assert item.send_status == "queued"
    counts = outbox.send_due()
    assert counts["sent"] == 1
    (msg,) = sent(smtp_sink)
    assert msg["Subject"] == "Re: Printer on fire"
    assert msg["In-Reply-To"] == "<m1@cust.test>"
    got_refs = msg["References"].split()
    assert len(got_refs) == app.config["REFERENCES_MAX"]
    assert got_refs[0] == "<r0@x.test>" and got_refs[-1] == "<m1@cust.test>"
    assert got_refs[-2] == "<r29@x.test>"
    assert msg["Message-ID"] == f"<{item.message_id}>"
    assert msg["From"].addresses[0].display_name == "Ann Agent"
    assert msg["From"].addresses[0].addr_spec == mailbox.email
    assert msg["To"].addresses[0].addr_spec == "carl@cust.test"
    assert msg["Date"] is not None and msg["MIME-Version"] == "1.0"
    assert msg.get_content_type() == "multipart/alternative"
    assert msg.get_body(("plain",)).get_content().startswith("We are on it.")
    assert "We are on it." in msg.get_body(("html",)).get_content()
    db.session.refresh(item)
    assert item.send_status == "sent"
    assert conv.first_response_at is not None
