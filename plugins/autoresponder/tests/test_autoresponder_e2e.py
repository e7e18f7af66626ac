"""The auto-responder end to end: mail into Dovecot, the real sync, the outbox, an SMTP sink."""

from __future__ import annotations

import types
from datetime import datetime, timedelta, timezone

import pytest
from ar_helpers import auto_replies, conversation_of, cycle, enable, message, parsed

from inbox import hookimpl
from inbox.extensions import db
from inbox.models import Mailbox
from inbox_plugins.autoresponder.models import AutoReplyLog

CUSTOMER = "ann@customer.test"

_spam_plugin = types.ModuleType("spam_marker")
_spam_plugin.PLUGIN_NAME = "spam_marker"


@hookimpl
def message_received(message, mailbox, decision, history):
    if "viagra" in (message.subject or "").lower():
        decision.mark_spam()


_spam_plugin.message_received = message_received


@pytest.fixture
def app_config():
    return {"EXTRA_PLUGINS": [_spam_plugin]}


def test_new_conversation_gets_exactly_one_auto_reply(app, mailbox, dovecot, smtp_sink):
    enable(mailbox)
    user = mailbox.imap_user
    raw, msgid = message(CUSTOMER, mailbox.email, subject="Help with my order")
    dovecot.append(user, raw)
    assert cycle(app, mailbox)["sent"] == 1
    (env,) = smtp_sink.messages
    msg = parsed(env)
    assert env.rcpt_tos == [CUSTOMER]
    assert msg["Auto-Submitted"] == "auto-replied"
    assert msg["In-Reply-To"] == f"<{msgid}>" and f"<{msgid}>" in msg["References"]
    assert msg["Subject"] == "Re: Help with my order"
    assert mailbox.email in msg["From"]
    text = msg.get_body(("plain",)).get_content()
    conv = conversation_of(msgid)
    assert "Hello Ann," in text and f"#{conv.number}" in text and mailbox.name in text
    assert "<p>Hello Ann," in msg.get_body(("html",)).get_content()
    (item,) = auto_replies(conv.id)
    assert item.send_status == "sent" and item.to[0]["email"] == CUSTOMER

    # the customer writes again in the same thread: no second auto-reply
    raw, _ = message(CUSTOMER, mailbox.email, subject="Re: Help with my order", in_reply_to=msgid, body="Any news?")
    dovecot.append(user, raw)
    assert cycle(app, mailbox)["sent"] == 0
    assert len(smtp_sink.messages) == 1 and len(auto_replies()) == 1
    assert cycle(app, mailbox)["sent"] == 0  # and nothing later either


def test_disabled_mailbox_sends_nothing(app, mailbox, dovecot, smtp_sink):
    enable(mailbox, enabled=False)
    dovecot.append(mailbox.imap_user, message(CUSTOMER, mailbox.email)[0])
    cycle(app, mailbox)
    assert smtp_sink.messages == [] and auto_replies() == []


DSN = (
    "MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=BB\r\n\r\n"
    "--BB\r\nContent-Type: text/plain\r\n\r\nDelivery failed.\r\n"
    "--BB\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.customer.test\r\n\r\n"
    "Final-Recipient: rfc822; gone@customer.test\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n--BB--\r\n"
)

NEVER = {
    "auto-submitted": dict(
        frm="ooo@customer.test", headers={"Auto-Submitted": "auto-replied"}, subject="Automatic reply: Out of office"
    ),
    "bulk-list": dict(
        frm="news@shop-news.test",
        headers={
            "Precedence": "bulk",
            "List-Id": "<news.shop-news.test>",
            "List-Unsubscribe": "<mailto:u@shop-news.test>",
        },
    ),
    "noreply": dict(frm="noreply@bank.test"),
    "no-reply-plus": dict(frm="no-reply+123@bank.test"),
    "mailer-daemon": dict(frm="MAILER-DAEMON@mx.customer.test", subject="Undelivered Mail Returned to Sender"),
    "postmaster": dict(frm="postmaster@customer.test"),
    "suppress-all": dict(frm="bob@customer.test", headers={"X-Auto-Response-Suppress": "All"}),
    "suppress-oof": dict(frm="cat@customer.test", headers={"X-Auto-Response-Suppress": "DR, OOF"}),
    "suppress-autoreply": dict(frm="dan@customer.test", headers={"X-Auto-Response-Suppress": "AutoReply"}),
    "spam": dict(frm="eve@customer.test", subject="Cheap viagra"),
    "other-mailbox": dict(frm="billing@support.test"),
}


@pytest.mark.parametrize("case", sorted(NEVER))
def test_never_answered(case, app, mailbox, dovecot, smtp_sink):
    """Each case gets nothing; a normal message in the same pass does, so the responder is on."""
    db.session.add(Mailbox(name="Billing", email="billing@support.test"))
    db.session.commit()
    enable(mailbox)
    spec = dict(NEVER[case])
    frm = spec.pop("frm")
    raw, bad_id = message(frm, mailbox.email, **spec)
    dovecot.append(mailbox.imap_user, raw)
    dovecot.append(mailbox.imap_user, message("control@customer.test", mailbox.email)[0])
    cycle(app, mailbox)
    assert [env.rcpt_tos for env in smtp_sink.messages] == [["control@customer.test"]]
    assert auto_replies(conversation_of(bad_id).id) == []


def test_bounce_and_own_address_never_answered(app, mailbox, dovecot, smtp_sink):
    enable(mailbox)
    bounce = (
        f"From: Mail Delivery System <mailer@mx.customer.test>\r\nTo: {mailbox.email}\r\n"
        "Subject: Delivery Status Notification (Failure)\r\nMessage-ID: <dsn1@mx.customer.test>\r\n" + DSN
    )
    dovecot.append(mailbox.imap_user, bounce.encode())
    dovecot.append(mailbox.imap_user, message(mailbox.email, mailbox.email, subject="Note to self")[0])
    cycle(app, mailbox)
    assert smtp_sink.messages == [] and auto_replies() == []


def test_history_import_is_never_answered(app, mailbox, dovecot, smtp_sink):
    enable(mailbox)
    dovecot.append(mailbox.imap_user, message(CUSTOMER, mailbox.email)[0])
    cycle(app, mailbox, history=True)
    assert smtp_sink.messages == [] and auto_replies() == []


def test_daily_cap_per_sender(app, mailbox, dovecot, smtp_sink):
    from inbox.plugin_settings import set_value

    set_value("autoresponder", "daily_cap", "2")
    db.session.commit()
    enable(mailbox)
    for n in range(3):
        dovecot.append(mailbox.imap_user, message(CUSTOMER, mailbox.email, subject=f"Question {n}")[0])
    cycle(app, mailbox)
    assert len(smtp_sink.messages) == 2  # three new conversations, two answers
    app.config["AUTORESPONDER_NOW"] = lambda: datetime.now(timezone.utc) + timedelta(hours=25)
    dovecot.append(mailbox.imap_user, message(CUSTOMER, mailbox.email, subject="Next day")[0])
    cycle(app, mailbox)
    assert len(smtp_sink.messages) == 3
    assert db.session.execute(db.select(db.func.count(AutoReplyLog.id))).scalar() == 3


def test_follow_ups_after_silence(app, mailbox, dovecot, smtp_sink):
    enable(mailbox, follow_ups=True, silence_hours=24)
    raw, msgid = message(CUSTOMER, mailbox.email, subject="Broken lamp")
    dovecot.append(mailbox.imap_user, raw)
    cycle(app, mailbox)
    assert len(smtp_sink.messages) == 1
    app.config["AUTORESPONDER_NOW"] = lambda: datetime.now(timezone.utc) + timedelta(hours=1)
    raw, second = message(CUSTOMER, mailbox.email, subject="Re: Broken lamp", in_reply_to=msgid)
    dovecot.append(mailbox.imap_user, raw)
    cycle(app, mailbox)
    assert len(smtp_sink.messages) == 1  # too soon
    app.config["AUTORESPONDER_NOW"] = lambda: datetime.now(timezone.utc) + timedelta(hours=30)
    raw, third = message(CUSTOMER, mailbox.email, subject="Re: Broken lamp", in_reply_to=second)
    dovecot.append(mailbox.imap_user, raw)
    cycle(app, mailbox)
    assert len(smtp_sink.messages) == 2
    assert parsed(smtp_sink.messages[1])["In-Reply-To"] == f"<{third}>"
    assert len(auto_replies(conversation_of(msgid).id)) == 2


NY_WEEK = {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")} | {"sat": [], "sun": []}


@pytest.mark.parametrize(
    "moment, inside",
    [
        (datetime(2026, 12, 1, 15, 0, tzinfo=timezone.utc), True),  # Tue 10:00 in New York
        (datetime(2026, 12, 1, 13, 30, tzinfo=timezone.utc), False),  # Tue 08:30 in New York (office hours in UTC)
        (datetime(2026, 12, 1, 21, 30, tzinfo=timezone.utc), True),  # Tue 16:30 in New York (closed in UTC terms)
        (datetime(2026, 12, 2, 0, 30, tzinfo=timezone.utc), False),  # Tue 19:30 in New York (Wednesday in UTC)
        (datetime(2026, 12, 25, 15, 0, tzinfo=timezone.utc), False),  # Fri 10:00 in New York, but a holiday
        (datetime(2026, 12, 26, 15, 0, tzinfo=timezone.utc), False),  # Saturday
    ],
)
def test_office_hours_choose_the_message(moment, inside, app, mailbox, dovecot, smtp_sink):
    enable(
        mailbox,
        office_hours=True,
        timezone="America/New_York",
        schedule=NY_WEEK,
        holidays=["2026-12-25"],
        subject="We got it: {{ conversation.subject }}",
        body="Inside hours, {{ customer.first_name }}.",
        outside_subject="Closed: {{ conversation.subject }}",
        outside_body="We are closed, {{ customer.first_name }}.",
    )
    app.config["AUTORESPONDER_NOW"] = lambda: moment
    dovecot.append(mailbox.imap_user, message(CUSTOMER, mailbox.email, subject="Hours")[0])
    cycle(app, mailbox)
    (env,) = smtp_sink.messages
    msg = parsed(env)
    if inside:
        assert msg["Subject"] == "We got it: Hours" and "Inside hours, Ann." in msg.get_body(("plain",)).get_content()
    else:
        assert msg["Subject"] == "Closed: Hours" and "We are closed, Ann." in msg.get_body(("plain",)).get_content()
