"""Regression tests for the mail findings of the security review (3, 4, 5, 6, 18, 19, 22, 23, 25).

Each test replays the attack the review describes, through the real importer (the path IMAP mail
takes) and the real web routes; it failed before the fix."""
from __future__ import annotations

import time

from inbox.extensions import db
from inbox.mail import outbox
from inbox.mail.ingest import Ingestor, prepare
from inbox.models import Conversation, CustomerEmail, OutboxMessage, ThreadItem

from conversation_helpers import login, make_mailbox, make_user
from portal_helpers import mail_in, sign_in_as


def ingest_raw(mailbox, raw: bytes) -> ThreadItem:
    """One hostile message through the importer, exactly as the review fed them."""
    fetched = prepare(None, raw)
    Ingestor(mailbox, "INBOX", None).store([fetched])
    return db.session.execute(db.select(ThreadItem).where(
        ThreadItem.message_id == fetched.parsed.message_id)).scalar_one()


def raw_mail(frm: str, subject: str, body: str, message_id: str, to: str = "support@help.test",
             extra: str = "", html: str | None = None) -> bytes:
    head = (f"From: {frm}\r\nTo: {to}\r\nSubject: {subject}\r\nMessage-ID: <{message_id}>\r\n"
            f"Date: Wed, 02 Dec 2026 09:00:00 +0000\r\nMIME-Version: 1.0\r\n{extra}")
    if html is None:
        return (head + "Content-Type: text/plain; charset=utf-8\r\n\r\n" + body + "\r\n").encode()
    return (head + "Content-Type: text/html; charset=utf-8\r\n\r\n").encode() + html.encode()


# --- finding 3: "[#N]" in a subject from a stranger ------------------------------------------------

def test_a_stranger_naming_a_conversation_number_starts_a_new_conversation(app, client):
    box = make_mailbox("Billing", email="support@help.test")
    emma = mail_in(box, "emma@customer.test", "Export to CSV", "The export button does nothing.", name="Emma")
    before = len(emma.items)
    attack = ingest_raw(box, raw_mail("Billing Dept <attacker@evil.test>", f"Re: [#{emma.number}] Export to CSV",
                                      "Hi Emma, please confirm your card details at https://evil.test/pay",
                                      "inject-1@evil.test"))
    db.session.expire_all()
    assert attack.conversation_id != emma.id
    assert len(db.session.get(Conversation, emma.id).items) == before
    # the new conversation says which number it named, for the agent to see
    new = db.session.get(Conversation, attack.conversation_id)
    event = next(i for i in new.items if i.type == "event")
    assert event.event == {"kind": "number_refused", "number": emma.number, "sender": "attacker@evil.test"}
    login(client, make_user("Ada", role="admin"))
    page = client.get(f"/conversations/{new.number}").get_data(as_text=True)
    assert f"named #{emma.number} in its subject" in page
    # Emma's conversation: the reply is still addressed to Emma, her portal shows nothing of it
    page = client.get(f"/conversations/{emma.number}").get_data(as_text=True)
    assert "attacker@evil.test" not in page
    portal = app.test_client()
    sign_in_as(portal, db.session.get(Conversation, emma.id).customer, "emma@customer.test")
    assert "evil.test/pay" not in portal.get(f"/portal/requests/{emma.number}").get_data(as_text=True)


def test_participants_still_thread_by_number(app):
    box = make_mailbox("Support", email="support@help.test")
    conv = mail_in(box, "kim@customer.test", "Broken kettle", "It leaks.", name="Kim")
    agent = make_user("Sam", role="admin")
    outbox.queue_reply(conv, agent, "Sending a new one", cc=["Partner <partner@customer.test>"])
    db.session.commit()
    # the customer's other known address, and someone we copied, may answer by number alone
    db.session.add(CustomerEmail(customer_id=conv.customer_id, email="kim.home@customer.test"))
    db.session.commit()
    for sender, mid in (("kim.home@customer.test", "n1@customer.test"), ("partner@customer.test", "n2@customer.test"),
                        ("kim@customer.test", "n3@customer.test")):
        item = ingest_raw(box, raw_mail(sender, f"Re: [#{conv.number}] Broken kettle", "thanks", mid))
        assert item.conversation_id == conv.id, sender


def test_a_reply_to_elsewhere_is_shown_not_prefilled(app, client):
    box = make_mailbox("Support", email="support@help.test")
    item = ingest_raw(box, raw_mail("Olivia <olivia@customer.test>", "Refund", "Please refund.", "r1@customer.test",
                                    extra="Reply-To: Accounts <pay@evil.test>\r\n"))
    conv = db.session.get(Conversation, item.conversation_id)
    login(client, make_user("Ada", role="admin"))
    page = client.get(f"/conversations/{conv.number}").get_data(as_text=True)
    to_field = page.split('id="reply-to"', 1)[1].split(">", 1)[0]
    assert "olivia@customer.test" in to_field and "pay@evil.test" not in to_field
    assert 'data-rcpt-note="others"' in page and "pay@evil.test" in page
    reply = outbox.queue_reply(conv, make_user("Sam", role="admin"), "Done")
    assert [t["email"] for t in reply.to] == ["olivia@customer.test"]


# --- finding 4: one broken header must not break a page -------------------------------------------

def test_an_encoded_crlf_in_reply_to_does_not_break_the_conversation(app, client):
    box = make_mailbox("Support", email="support@help.test")
    conv = mail_in(box, "noor@customer.test", "Feature request: dark mode", "Please add it.", name="Noor")
    item = ingest_raw(box, raw_mail("Noor <noor@customer.test>", "Re: Feature request: dark mode", "Any news?",
                                    "crlf-1@customer.test", extra="Reply-To: =?utf-8?q?X=0D=0AY?= <x@customer.test>\r\n"
                                    f"In-Reply-To: <{conv.items[0].message_id}>\r\n"))
    assert item.conversation_id == conv.id
    assert item.reply_to == [{"name": "X Y", "email": "x@customer.test"}]  # cleaned at import
    login(client, make_user("Ada", role="admin"))
    assert client.get(f"/conversations/{conv.number}").status_code == 200
    response = client.post(f"/conversations/{conv.number}/reply", data={"text": "Soon!", "last_item_id": 10**9})
    assert response.status_code in (200, 302)
    # a row imported before the columns existed (reply_to NULL) is parsed defensively from the raw bytes
    item.reply_to = None
    item.from_name = "Noor\r\nBcc: evil@evil.test"
    db.session.commit()
    assert client.get(f"/conversations/{conv.number}").status_code == 200
    db.session.expire_all()
    assert db.session.get(ThreadItem, item.id).reply_to == [{"name": "X Y", "email": "x@customer.test"}]
    # a stored display name with CR/LF (older imports) is cleaned when it goes back into a header
    db.session.get(ThreadItem, item.id).reply_to = []
    db.session.commit()
    assert client.get(f"/conversations/{conv.number}").status_code == 200
    reply = outbox.queue_reply(db.session.get(Conversation, conv.id), make_user("Sam", role="admin"), "Hi")
    db.session.commit()
    mime = db.session.execute(db.select(OutboxMessage.mime).where(OutboxMessage.item_id == reply.id)).scalar_one()
    assert b"To: Noor Bcc: evil@evil.test <noor@customer.test>" in mime.replace(b'"', b"")
    assert b"\r\nBcc" not in mime


def test_display_names_are_cleaned_at_import(app):
    box = make_mailbox("Support", email="support@help.test")
    item = ingest_raw(box, raw_mail("=?utf-8?q?Evil=0D=0ABcc=3A_x=40evil=2Etest?= <n@customer.test>", "Hello",
                                    "Hi", "name-1@customer.test",
                                    extra="Cc: =?utf-8?q?A=00B=07C?= <c@customer.test>\r\n"))
    assert item.from_name == "Evil Bcc: x@evil.test"
    assert item.cc == [{"name": "ABC", "email": "c@customer.test"}]  # no control character survives
