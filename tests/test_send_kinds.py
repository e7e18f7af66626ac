"""Auto-replies, new outbound conversations, and the message_sending / agent_replied hooks."""

from __future__ import annotations

import pytest
from test_send_headers import make_conversation, make_user

from inbox import hookimpl
from inbox.extensions import db
from inbox.mail.outbound import outbox
from inbox.mail.tokens import conversation_id_from
from inbox.models import Conversation, MessageRef


class Recorder:
    PLUGIN_NAME = "send_test_recorder"

    def __init__(self):
        self.events = []

    @hookimpl
    def message_sending(self, message, conversation, item):
        message["X-Ticket"] = f"#{conversation.number}"
        del message["Subject"]
        message["Subject"] = f"[Acme] {item.subject}"
        self.events.append(("sending", item.type))

    @hookimpl
    def agent_replied(self, conversation, item, user):
        self.events.append(("replied", item.type, user.email))

    @hookimpl
    def conversation_created(self, conversation, item, history):
        self.events.append(("created", conversation.source, history))


recorder = Recorder()


@pytest.fixture
def app_config():
    recorder.events.clear()
    return {"EXTRA_PLUGINS": [recorder]}


def test_message_sending_hook_changes_headers_before_freezing(app, mailbox, smtp_sink):
    conv = make_conversation(mailbox)
    item = outbox.queue_reply(conv, make_user(), "hello")
    db.session.commit()
    assert recorder.events == [("sending", "reply"), ("replied", "reply", "ann@agents.test")]
    assert item.subject == "[Acme] Re: Printer on fire"
    outbox.send_due()
    smtp_sink.wait_for(1)
    (msg,) = smtp_sink.parsed()
    assert msg["X-Ticket"] == f"#{conv.number}" and msg["Subject"] == "[Acme] Re: Printer on fire"


def test_auto_reply_headers(app, mailbox, smtp_sink):
    conv = make_conversation(mailbox, references=["root@cust.test"])
    customer_item = conv.items[0]
    item = outbox.queue_auto_reply(conv, customer_item, "We got your message", "Thanks, we will answer soon.")
    db.session.commit()
    assert item.type == "auto_reply" and item.is_auto_reply and item.author_id is None
    assert conv.first_response_at is None  # a robot's answer is not a response
    counts = outbox.send_due()  # no undo delay for automatic mail, even with UNDO_SEND_SECONDS set
    assert counts["sent"] == 1
    (msg,) = smtp_sink.parsed()
    assert msg["Auto-Submitted"] == "auto-replied"
    assert msg["X-Auto-Response-Suppress"] == "All"
    assert msg["In-Reply-To"] == "<m1@cust.test>"
    assert msg["References"] == "<root@cust.test> <m1@cust.test>"
    assert msg["From"].addresses[0].display_name == mailbox.name
    assert msg["Subject"] == "[Acme] We got your message"
    assert [e[0] for e in recorder.events] == ["sending"]


@pytest.mark.parametrize("app_config", [{"EXTRA_PLUGINS": [recorder], "UNDO_SEND_SECONDS": 30}])
def test_auto_reply_has_no_undo_delay(app, mailbox, smtp_sink):
    conv = make_conversation(mailbox)
    outbox.queue_auto_reply(conv, conv.items[0], "Got it", "Thanks")
    db.session.commit()
    assert outbox.send_due()["sent"] == 1


def test_start_conversation_creates_customer_and_threads_replies(app, mailbox, smtp_sink):
    user = make_user()
    conv = outbox.start_conversation(
        mailbox, user, "Dana Doe <Dana@Cust.test>", "Your order", "It shipped.", cc=["ops@cust.test"]
    )
    db.session.commit()
    assert conv.source == "agent" and conv.number >= 1 and conv.customer.email == "dana@cust.test"
    assert conv.customer.name == "Dana Doe" and conv.first_response_at is not None
    assert ("created", "agent", False) in recorder.events
    outbox.send_due()
    smtp_sink.wait_for(1)
    (msg,) = smtp_sink.parsed()
    assert msg["Subject"] == "[Acme] Your order" and msg["In-Reply-To"] is None
    mid = msg["Message-ID"].strip("<>")
    assert conversation_id_from(mid) == conv.id  # a reply quoting only our id finds the conversation
    assert db.session.execute(db.select(MessageRef).where(MessageRef.ref == mid, MessageRef.own)).scalar_one()
    # a follow-up before the customer answers threads on our first message
    follow = outbox.queue_reply(conv, user, "Any news?")
    assert follow.in_reply_to == mid and follow.references == [mid]
    assert [t["email"].lower() for t in follow.to] == ["dana@cust.test"]
    assert db.session.get(Conversation, conv.id).number == conv.number
