"""Bounces, reports and auto-replies that match none of our messages: delivered through a real
Dovecot, they become closed conversations in "Bounces & auto-replies", searchable, exported, and
never answered or counted as customer demand. A person's mail is never put there on weak signals."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from test_sync import make_mail

from inbox.extensions import db
from inbox.models import Conversation, RawMessage, ThreadItem, User
from inbox.testing.helpers import login


def _dsn(to: str, original_id: str, mid: str) -> bytes:
    return (
        "Return-Path: <>\r\nFrom: Mail Delivery System <MAILER-DAEMON@mx.other.test>\r\nTo: " + to + "\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <" + mid + ">\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.other.test\r\n\r\n"
        "Final-Recipient: rfc822; bob@gone.test\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        "Message-ID: <" + original_id + ">\r\nSubject: Newsletter\r\n--B--\r\n"
    ).encode()


def _conv(mid: str) -> Conversation:
    item = db.session.execute(select(ThreadItem).where(ThreadItem.message_id == mid)).scalar_one()
    return db.session.get(Conversation, item.conversation_id)


def test_unmatched_bounce_and_auto_reply_are_visible_closed_and_exported(app, client, deliver, mailbox, tmp_path):
    stats = deliver(
        _dsn(mailbox.email, "sent-by-a-colleague@desktop.test", "dsn-x@mx.other.test"),
        make_mail(
            subject="Automatic reply: Newsletter",
            message_id="ooo@c.test",
            frm="Cy <cy@c.test>",
            headers={"Auto-Submitted": "auto-replied"},
            body="I am away until Monday.",
        ),
        make_mail(subject="Where is my parcel?", message_id="human@c.test"),
    )
    assert stats.fetched == 3 and stats.dropped == 0
    assert db.session.execute(select(RawMessage).where(RawMessage.dropped_reason.is_not(None))).first() is None
    bounce, ooo, human = _conv("dsn-x@mx.other.test"), _conv("ooo@c.test"), _conv("human@c.test")
    assert (bounce.automated, bounce.status, bounce.closed_at is not None) == (True, "closed", True)
    assert (ooo.automated, ooo.status) == (True, "closed")
    assert (human.automated, human.status) == (False, "active")

    admin = User(email="boss@support.test", name="Boss", role="admin")
    db.session.add(admin)
    db.session.commit()
    login(client, admin)
    page = client.get("/inbox?folder=automated").get_data(as_text=True)
    assert "Bounces &amp; auto-replies</h1>" in page and "Bounce / auto-reply" in page
    assert "Undelivered Mail Returned to Sender" in page and "Automatic reply: Newsletter" in page
    assert "Where is my parcel?" not in page
    unassigned = client.get("/inbox?folder=unassigned").get_data(as_text=True)
    assert "Where is my parcel?" in unassigned and "Undelivered Mail" not in unassigned
    shown = client.get(f"/conversations/{bounce.number}").get_data(as_text=True)
    assert "Bounce / auto-reply" in shown and "Your message could not be delivered." in shown
    found = client.get("/search?q=Undelivered").get_data(as_text=True)
    assert f"#{bounce.number}" in found

    out = tmp_path / "export.jsonl"
    result = app.test_cli_runner().invoke(args=["export", "--output", str(out)])
    assert result.exit_code == 0, result.output
    rows = {r["subject"]: r for r in map(json.loads, out.read_text().splitlines())}
    exported = rows["Undelivered Mail Returned to Sender"]
    assert exported["automated"] and exported["messages"][0]["is_bounce"]
    assert rows["Automatic reply: Newsletter"]["messages"][0]["is_auto_reply"]
    assert not rows["Where is my parcel?"]["automated"]


def test_a_person_answering_in_an_automated_thread_makes_it_customer_demand(deliver):
    deliver(make_mail(subject="Automatic reply: hi", message_id="ooo2@c.test", headers={"X-Autoreply": "yes"}))
    assert _conv("ooo2@c.test").automated
    deliver(
        make_mail(
            subject="Re: Automatic reply: hi",
            message_id="back@c.test",
            in_reply_to="ooo2@c.test",
            body="I am back: my order never came.",
        )
    )
    conv = _conv("back@c.test")
    assert conv.id == _conv("ooo2@c.test").id and not conv.automated and conv.status == "active"


@pytest.mark.parametrize(
    "frm, headers, body",
    [
        # a person at postmaster@ writing about something else
        ("postmaster@customer.test", {}, "Hello, can you change the address on my order?"),
        # words that sound like a bounce from an ordinary sender
        ("ann@customer.test", {"Return-Path": "<>"}, "My parcel was undeliverable, the courier says."),
        # list/bulk precedence is not an auto-reply: people write through lists
        ("ann@customer.test", {"Precedence": "list"}, "Question about my invoice."),
        ("ann@customer.test", {"X-Auto-Response-Suppress": "All"}, "Sent from Outlook, please call me."),
        # a parcel complaint in a bounce's words: a person, since nothing says delivery software sent it
        ("ann@customer.test", {"Subject": "Delivery failure"}, "My parcel could not be delivered, user unknown?"),
    ],
)
def test_weak_signals_leave_a_person_in_the_inbox(deliver, frm, headers, body):
    subject = headers.pop("Subject", "Help")
    deliver(make_mail(subject=subject, message_id="weak@c.test", frm=frm, headers=headers, body=body))
    conv = _conv("weak@c.test")
    assert (conv.automated, conv.status) == (False, "active")
    item = db.session.execute(select(ThreadItem).where(ThreadItem.message_id == "weak@c.test")).scalar_one()
    assert not item.is_bounce and not item.is_auto_reply
