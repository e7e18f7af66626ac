"""Outgoing replies as a mail client reads them: threading headers, subject, addresses, MIME parts."""

from __future__ import annotations

import pytest

from inbox.customers import customer_for
from inbox.extensions import db
from inbox.mail.outbound import compose, outbox
from inbox.models import Conversation, RawMessage, ThreadItem, User


def make_user(name="Ann Agent", email_="ann@agents.test", role="agent", signature=None):
    existing = db.session.execute(db.select(User).where(User.email == email_)).scalar_one_or_none()
    if existing is not None:
        return existing
    user = User(email=email_, name=name, role=role, signature=signature)
    user.set_password("pw")
    db.session.add(user)
    db.session.flush()
    return user


def make_conversation(
    mailbox,
    subject="Printer on fire",
    from_name="Carl Customer",
    from_email="carl@cust.test",
    message_id="m1@cust.test",
    references=(),
    raw_headers="",
):
    customer = customer_for(from_email, from_name)
    db.session.flush()
    conv = Conversation(
        number=(db.session.query(db.func.max(Conversation.number)).scalar() or 0) + 1,
        mailbox_id=mailbox.id,
        subject=subject,
        customer_id=customer.id,
    )
    db.session.add(conv)
    db.session.flush()
    raw = None
    if raw_headers:
        data = (
            f"From: {from_name} <{from_email}>\r\nMessage-ID: <{message_id}>\r\n{raw_headers}"
            f"Subject: {subject}\r\n\r\nhello\r\n"
        ).encode()
        raw = RawMessage(
            mailbox_id=mailbox.id,
            folder="INBOX",
            message_id=message_id,
            dedup_key=message_id,
            size=len(data),
            data=data,
        )
        db.session.add(raw)
        db.session.flush()
    item = ThreadItem(
        conversation_id=conv.id,
        type="customer",
        customer_id=customer.id,
        message_id=message_id,
        references=list(references),
        from_name=from_name,
        from_email=from_email,
        subject=subject,
        text="It is on fire.",
        raw_message_id=raw.id if raw else None,
    )
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


@pytest.mark.parametrize(
    "subject, expected",
    [
        ("Printer on fire", "Re: Printer on fire"),
        ("Re: Printer on fire", "Re: Printer on fire"),
        ("RE: re: Re[2]: Printer on fire", "Re: Printer on fire"),
        ("Aw: AW: Sv: Printer on fire", "Re: Printer on fire"),
        ("Fwd: Printer on fire", "Re: Fwd: Printer on fire"),
        ("Re: Fwd: FW: Printer on fire", "Re: Fwd: Printer on fire"),
        ("[#12] Re: Printer on fire", "Re: Printer on fire"),
        ("Reply needed", "Re: Reply needed"),
        ("", "Re:"),
    ],
)
def test_reply_subject_never_stacks(subject, expected):
    assert compose.reply_subject(subject) == expected


def test_reply_subject_number_tag_and_forward_subject():
    assert compose.reply_subject("Re: [#7] Printer", 7) == "Re: [#7] Printer"
    assert compose.reply_subject("Printer", 7, "(#{number})") == "Re: (#7) Printer"
    assert compose.forward_subject("Re: Fwd: Printer") == "Fwd: Printer"


def test_bound_references_keeps_first_and_newest():
    ids = [f"{i}@x" for i in range(10)] + ["3@x"]
    assert compose.bound_references(ids, 4) == ["0@x", "7@x", "8@x", "9@x"]
    assert compose.bound_references(["<a@x>", "a@x", "b@x"], 20) == ["a@x", "b@x"]


def test_long_message_ids_are_folded_not_encoded(app, mailbox, smtp_sink):
    long_ids = [("x" * 120) + f"{i}@outlook.example" for i in range(3)]
    conv = make_conversation(mailbox, message_id=long_ids[-1], references=long_ids[:-1])
    outbox.queue_reply(conv, make_user(), "ok")
    db.session.commit()
    outbox.send_due()
    raw = smtp_sink.wait_for(1)[0].content
    assert b"=?" not in raw.split(b"\r\n\r\n")[0]  # the stdlib would RFC 2047-encode long ids
    (msg,) = smtp_sink.parsed()
    assert msg["References"].split() == [f"<{i}>" for i in long_ids]
    assert msg["In-Reply-To"] == f"<{long_ids[-1]}>"
    assert max(len(line) for line in raw.split(b"\r\n\r\n")[0].split(b"\r\n")) <= 998


def test_non_ascii_subject_names_and_body(app, mailbox, smtp_sink):
    user = make_user(name="Jörg Müller", signature="Jörg — Support\nBeispiel GmbH")
    mailbox.signature = "Das Team"
    conv = make_conversation(
        mailbox, subject="Grüße aus München — Drucker brennt 🔥", from_name="Zoë Ångström", from_email="zoe@cust.test"
    )
    outbox.queue_reply(conv, user, "Hallo Zoë,\n\nwir löschen gerade. <b>nicht fett</b>\n")
    db.session.commit()
    outbox.send_due()
    raw = smtp_sink.wait_for(1)[0].content
    head = raw.split(b"\r\n\r\n")[0]
    assert all(b < 128 for b in raw), "7-bit transport: headers RFC 2047, bodies QP/base64"
    assert b"=?utf-8?" in head
    (msg,) = smtp_sink.parsed()
    assert msg["Subject"] == "Re: Grüße aus München — Drucker brennt 🔥"
    assert msg["From"].addresses[0].display_name == "Jörg Müller"
    assert msg["To"].addresses[0].display_name == "Zoë Ångström"
    text = msg.get_body(("plain",)).get_content()
    assert "wir löschen gerade." in text
    assert text.index("wir löschen") < text.index("Jörg — Support") < text.index("Das Team")
    html = msg.get_body(("html",)).get_content()
    assert "&lt;b&gt;nicht fett&lt;/b&gt;" in html and "<b>nicht" not in html and "Beispiel GmbH" in html
    assert msg.get_body(("html",)).get_content_charset() == "utf-8"


def test_recipients_reply_to_cc_and_bcc_never_in_headers(app, mailbox, smtp_sink):
    mailbox.reply_to = "replies@support.test"
    conv = make_conversation(mailbox, raw_headers="Reply-To: Carl at Home <carl.home@cust.test>\r\n")
    item = outbox.queue_reply(conv, make_user(), "Hi", cc=["Boss <boss@cust.test>"], bcc=["audit@corp.test"])
    db.session.commit()
    assert item.to == [{"name": "Carl at Home", "email": "carl.home@cust.test"}]
    outbox.send_due()
    envelope = smtp_sink.wait_for(1)[0]
    assert sorted(envelope.rcpt_tos) == ["audit@corp.test", "boss@cust.test", "carl.home@cust.test"]
    assert envelope.mail_from == mailbox.email
    assert b"audit@corp.test" not in envelope.content and b"Bcc" not in envelope.content
    (msg,) = smtp_sink.parsed()
    assert [a.addr_spec for a in msg["To"].addresses] == ["carl.home@cust.test"]
    assert [a.addr_spec for a in msg["Cc"].addresses] == ["boss@cust.test"]
    assert msg["Reply-To"].addresses[0].addr_spec == "replies@support.test"
    assert msg["Bcc"] is None


def test_reply_never_goes_to_our_own_address(app, mailbox):
    conv = make_conversation(mailbox, raw_headers=f"Reply-To: {mailbox.email}\r\n")
    item = outbox.queue_reply(conv, make_user(), "Hi")
    assert [t["email"] for t in item.to] == ["carl@cust.test"]


def test_html_reply_and_attachments(app, mailbox, smtp_sink):
    conv = make_conversation(mailbox)
    pdf = b"%PDF-1.4\n" + bytes(range(256)) * 40
    item = outbox.queue_reply(
        conv,
        make_user(),
        "See attached.",
        "<p>See <em>attached</em>.</p>",
        attachments=[("invoice.pdf", "application/pdf", pdf), ("notes-ü.txt", "text/plain", "naïve\n".encode())],
    )
    db.session.commit()
    assert [a.filename for a in item.attachments] == ["invoice.pdf", "notes-ü.txt"]
    outbox.send_due()
    smtp_sink.wait_for(1)
    (msg,) = smtp_sink.parsed()
    assert msg.get_content_type() == "multipart/mixed"
    assert msg.get_body(("html",)).get_content().strip() == "<p>See <em>attached</em>.</p>"
    assert msg.get_body(("plain",)).get_content().strip() == "See attached."
    atts = {a.get_filename(): a for a in msg.iter_attachments()}
    assert atts["invoice.pdf"].get_content() == pdf
    assert atts["notes-ü.txt"].get_payload(decode=True) == "naïve\n".encode()
    # forwarding the stored attachment later reads the same bytes back from storage
    fwd = outbox.queue_forward(conv, make_user("Bo", "bo@agents.test"), "colleague@else.test", "FYI", item=item)
    db.session.commit()
    outbox.send_due()
    smtp_sink.wait_for(2)
    fmsg = smtp_sink.parsed()[1]
    assert fmsg["Subject"] == "Fwd: Printer on fire" and fmsg["In-Reply-To"] is None
    assert [a.get_filename() for a in fmsg.iter_attachments()] == ["invoice.pdf", "notes-ü.txt"]
    assert "---------- Forwarded message" in fmsg.get_body(("plain",)).get_content()
    assert fwd.type == "forward" and smtp_sink.messages[1].rcpt_tos == ["colleague@else.test"]


def test_number_tag_is_a_mailbox_option(app, mailbox, smtp_sink):
    from inbox.models import set_setting

    conv = make_conversation(mailbox)
    first = outbox.queue_reply(conv, make_user(), "one")
    assert first.subject == "Re: Printer on fire"
    set_setting(f"mailbox.{mailbox.id}.subject_number", True)
    second = outbox.queue_reply(conv, make_user("Bo", "bo@agents.test"), "two")
    assert second.subject == f"Re: [#{conv.number}] Printer on fire"


def test_forward_of_whole_conversation_skips_notes(app, mailbox):
    from inbox.conversations import add_note

    conv = make_conversation(mailbox)
    user = make_user()
    add_note(conv, user, "internal: customer is grumpy")
    outbox.queue_reply(conv, user, "public answer")
    fwd = outbox.queue_forward(conv, user, ["Eve <eve@else.test>"], "Please look")
    assert "It is on fire." in fwd.text and "public answer" in fwd.text
    assert "grumpy" not in fwd.text and fwd.new_text == "Please look"


def test_reply_validation_errors(app, mailbox):
    conv = make_conversation(mailbox)
    with pytest.raises(ValueError):
        outbox.queue_reply(conv, make_user(), "   ")
    with pytest.raises(ValueError):
        outbox.queue_reply(conv, make_user("B", "b@agents.test"), "hi", to=["not-an-address"])
