"""Which conversation an incoming message joins, with mail delivered through a real Dovecot."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from test_sync import conv_of, count, make_mail, our_reply

from inbox import conversations
from inbox.extensions import db
from inbox.models import Conversation, Mailbox, ThreadItem, utcnow


def test_reply_by_in_reply_to_and_references(deliver):
    deliver(make_mail(subject="Broken widget", message_id="root@c.test"))
    deliver(
        make_mail(
            subject="Re: Broken widget",
            message_id="r1@c.test",
            in_reply_to="root@c.test",
            references=["root@c.test"],
            body="Any news?",
        )
    )
    deliver(make_mail(subject="something else", message_id="r2@c.test", references=["root@c.test", "r1@c.test"]))
    conv = conv_of("root@c.test")
    assert conv_of("r1@c.test").id == conv.id == conv_of("r2@c.test").id
    assert count(Conversation) == 1 and conv.subject == "Broken widget"
    assert conv.preview.startswith("My order")  # r2 is the latest customer text
    assert [i.message_id for i in conv.items if i.type == "customer"] == ["root@c.test", "r1@c.test", "r2@c.test"]


def test_out_of_order_arrival_threads_both_ways(deliver):
    # the reply arrives first, then the message it answers, then a sibling of the reply
    deliver(
        make_mail(
            subject="Re: Refund", message_id="late-reply@c.test", in_reply_to="orig@c.test", references=["orig@c.test"]
        )
    )
    deliver(make_mail(subject="Refund", message_id="orig@c.test", date=utcnow() - timedelta(hours=1)))
    deliver(make_mail(subject="Re: Refund", message_id="sibling@c.test", in_reply_to="orig@c.test"))
    assert count(Conversation) == 1
    conv = conv_of("orig@c.test")
    assert conv.id == conv_of("late-reply@c.test").id == conv_of("sibling@c.test").id
    assert conv.subject == "Refund"  # the original's subject once it arrived (it is older)


def test_out_of_order_inside_one_batch(deliver):
    deliver(
        make_mail(subject="Re: Batch", message_id="b-reply@c.test", in_reply_to="b-orig@c.test"),
        make_mail(subject="Batch", message_id="b-orig@c.test"),
    )
    assert count(Conversation) == 1


def test_references_only_with_our_signed_id(deliver, app):
    deliver(make_mail(subject="Where is my parcel", message_id="p1@c.test"))
    conv = conv_of("p1@c.test")
    ours = our_reply(conv)
    # a client that drops In-Reply-To, changes the subject, keeps only our id in References
    deliver(make_mail(subject="parcel", message_id="p2@c.test", references=[ours.message_id]))
    assert conv_of("p2@c.test").id == conv.id
    # our token alone is enough even when the reply item is not in MessageRef (e.g. another mailbox copy)
    from inbox.mail.tokens import make_message_id

    deliver(make_mail(subject="again", message_id="p3@c.test", references=[make_message_id(conv.id, "x.test")]))
    assert conv_of("p3@c.test").id == conv.id


def test_forged_token_is_ignored(deliver):
    deliver(make_mail(subject="Mine", message_id="f1@c.test"))
    conv = conv_of("f1@c.test")
    forged = f"c{conv.id}.abcd1234.0123456789abcdef@support.test"
    deliver(make_mail(subject="Forged", message_id="f2@c.test", references=[forged], frm="mallory@evil.test"))
    assert conv_of("f2@c.test").id != conv.id


def test_subject_number_fallback_but_never_subject_text(deliver, mailbox, dovecot, app):
    deliver(make_mail(subject="Invoice", message_id="s1@c.test"))
    conv = conv_of("s1@c.test")
    deliver(make_mail(subject=f"Re: Invoice [#{conv.number}]", message_id="s2@c.test"))
    assert conv_of("s2@c.test").id == conv.id
    deliver(make_mail(subject="Invoice", message_id="s3@c.test", frm="other@customer.test"))
    assert conv_of("s3@c.test").id != conv.id
    # a number from another mailbox does not merge across mailboxes
    other = Mailbox(name="Other", email="other@support.test")
    db.session.add(other)
    db.session.flush()
    foreign = Conversation(number=conversations.next_number(), mailbox_id=other.id, subject="x")
    db.session.add(foreign)
    db.session.commit()
    deliver(make_mail(subject=f"Re: [#{foreign.number}]", message_id="s4@c.test"))
    assert conv_of("s4@c.test").mailbox_id == mailbox.id and conv_of("s4@c.test").id != foreign.id


def _closed(message_id: str, days_ago: float = 0) -> Conversation:
    conv = conv_of(message_id)
    conversations.set_status(conv, "closed")
    conv.closed_at = utcnow() - timedelta(days=days_ago)
    db.session.commit()
    return conv


def test_closed_policy_reopen(deliver):
    deliver(make_mail(subject="Q", message_id="c1@c.test"))
    conv = _closed("c1@c.test")
    deliver(make_mail(subject="Re: Q", message_id="c2@c.test", in_reply_to="c1@c.test"))
    db.session.refresh(conv)
    assert conv.status == "active" and conv_of("c2@c.test").id == conv.id
    assert any(i.type == "event" and i.event["kind"] == "status" and i.event["new"] == "active" for i in conv.items)


def test_closed_policy_new(deliver, mailbox):
    mailbox.closed_policy = "new"
    db.session.commit()
    deliver(make_mail(subject="Q", message_id="n1@c.test"))
    old = _closed("n1@c.test")
    deliver(make_mail(subject="Re: Q", message_id="n2@c.test", in_reply_to="n1@c.test"))
    new = conv_of("n2@c.test")
    assert new.id != old.id and new.previous_id == old.id and new.status == "active"
    db.session.refresh(old)
    assert old.status == "closed"
    # the next reply in that chain joins the new conversation, not the closed one
    deliver(make_mail(subject="Re: Q", message_id="n3@c.test", in_reply_to="n2@c.test"))
    assert conv_of("n3@c.test").id == new.id


def test_closed_policy_new_after_days(deliver, mailbox):
    mailbox.closed_policy, mailbox.closed_policy_days = "new_after_days", 7
    db.session.commit()
    deliver(make_mail(subject="Recent", message_id="d1@c.test"), make_mail(subject="Old", message_id="d2@c.test"))
    recent = _closed("d1@c.test", days_ago=2)
    old = _closed("d2@c.test", days_ago=30)
    deliver(
        make_mail(subject="Re: Recent", message_id="d3@c.test", in_reply_to="d1@c.test"),
        make_mail(subject="Re: Old", message_id="d4@c.test", in_reply_to="d2@c.test"),
    )
    assert conv_of("d3@c.test").id == recent.id
    db.session.refresh(recent)
    assert recent.status == "active"
    assert conv_of("d4@c.test").id != old.id and conv_of("d4@c.test").previous_id == old.id


def test_spam_stays_spam(deliver):
    deliver(make_mail(subject="Buy now", message_id="sp1@c.test"))
    conv = conv_of("sp1@c.test")
    conversations.set_status(conv, "spam")
    db.session.commit()
    deliver(make_mail(subject="Re: Buy now", message_id="sp2@c.test", in_reply_to="sp1@c.test"))
    db.session.refresh(conv)
    assert conv.status == "spam" and conv_of("sp2@c.test").id == conv.id


def test_mail_from_our_address_is_a_reply_not_a_customer(deliver, mailbox):
    deliver(make_mail(subject="Hello", message_id="o1@c.test"))
    conv = conv_of("o1@c.test")
    customer_id = conv.customer_id
    deliver(
        make_mail(
            subject="Re: Hello",
            message_id="o2@support.test",
            in_reply_to="o1@c.test",
            frm=f"Agent <{mailbox.email}>",
            to="ann@customer.test",
            body="Sent from my phone",
        )
    )
    item = db.session.execute(select(ThreadItem).where(ThreadItem.message_id == "o2@support.test")).scalar_one()
    db.session.refresh(conv)
    assert item.type == "reply" and item.customer_id is None and conv.customer_id == customer_id
    assert conv.preview.startswith("My order")  # the preview stays the customer's text
    # a new message an agent writes from a mail client: the recipient is the customer
    deliver(make_mail(subject="Outbound", message_id="o3@support.test", frm=mailbox.email, to="zed@new.test"))
    out = conv_of("o3@support.test")
    assert out.customer.email == "zed@new.test" and out.items[0].type == "reply"


def test_bounce_attaches_to_the_bounced_reply(deliver, mailbox):
    deliver(make_mail(subject="Order 7", message_id="bo1@c.test"))
    conv = conv_of("bo1@c.test")
    ours = our_reply(conv)
    conversations.set_status(conv, "closed")
    db.session.commit()
    dsn = (
        "From: Mail Delivery System <MAILER-DAEMON@mx.test>\r\nTo: " + mailbox.email + "\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <dsn1@mx.test>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nThis is the mail system. Your message could not be delivered.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.test\r\n\r\n"
        "Final-Recipient: rfc822; ann@customer.test\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 <ann@customer.test>: Recipient address rejected\r\n"
        "--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"Message-ID: <{ours.message_id}>\r\nSubject: Re: Order 7\r\n--B--\r\n"
    ).encode()
    before = count(Conversation)
    deliver(dsn)
    db.session.refresh(ours)
    db.session.refresh(conv)
    assert ours.bounced and "550 5.1.1" in ours.bounce_reason
    assert count(Conversation) == before and conv.status == "closed"
    bounce = db.session.execute(select(ThreadItem).where(ThreadItem.message_id == "dsn1@mx.test")).scalar_one()
    assert bounce.conversation_id == conv.id and bounce.is_bounce


def test_subject_number_format_set_by_an_admin_reaches_the_importer(app, mailbox):
    """The format is a database setting, so the worker (another process) follows the admin page."""
    from inbox.mail.inbound.thread_match import subject_number
    from inbox.models import forget_cached_settings, set_setting

    assert subject_number("Re: help [#12]") == 12
    set_setting("subject_number_format", "(Ticket {number})")
    db.session.commit()
    forget_cached_settings()
    assert subject_number("Re: help (Ticket 34)") == 34
    assert subject_number("Re: help [#12]") is None
