"""Replies, notes, forwards, undo-send, drafts, collisions and new conversations via the test client.
Outgoing mail is checked in the outbox rows (the SMTP leg is covered by the e2e test)."""

import email
import email.policy

import pytest
from conversation_helpers import add_customer_message, login, make_conversation, make_mailbox, make_user

from inbox.extensions import db
from inbox.models import Conversation, Draft, OutboxMessage, ThreadItem


@pytest.fixture
def app_config():
    return {"UNDO_SEND_SECONDS": 30, "MAX_ATTACHMENT_BYTES": 1000}


@pytest.fixture
def world(app):
    mb = make_mailbox(name="Support", email="support@shop.test")
    other_mb = make_mailbox(name="Billing")
    anna = make_user("Anna Berg", mailboxes=[mb])
    ben = make_user("Ben Ortiz", mailboxes=[mb])
    outsider = make_user("Olga Other", mailboxes=[other_mb])
    conv = make_conversation(
        mb, customer_name="Carla Jensen", customer_email="carla@example.net", message_id="first@customer.test"
    )
    return dict(mb=mb, anna=anna, ben=ben, outsider=outsider, conv=conv, other_mb=other_mb)


def _last_id(conv):
    return str(max(i.id for i in db.session.get(Conversation, conv.id).items))


def test_reply_is_queued_formatted_and_threaded(client, world):
    conv = world["conv"]
    login(client, world["anna"])
    resp = client.post(
        f"/conversations/{conv.number}/reply",
        data={
            "text": "Hi **Carla**,\n- one\n- two",
            "cc": "boss@example.net",
            "bcc": "audit@shop.test",
            "last_item_id": _last_id(conv),
            "status_after": "pending",
        },
    )
    assert resp.status_code == 302
    row = db.session.execute(db.select(OutboxMessage)).scalar_one()
    msg = email.message_from_bytes(row.mime)
    assert msg["In-Reply-To"] == "<first@customer.test>" and msg["To"] == "Carla Jensen <carla@example.net>"
    assert msg["Cc"] == "boss@example.net" and msg["Bcc"] is None
    assert set(row.recipients) == {"carla@example.net", "boss@example.net", "audit@shop.test"}
    html = next(p for p in msg.walk() if p.get_content_type() == "text/html").get_payload(decode=True).decode()
    assert "<strong>Carla</strong>" in html and "<li>one</li>" in html
    db.session.expire_all()
    conv = db.session.get(Conversation, conv.id)
    assert conv.status == "pending"
    page = client.get(f"/conversations/{conv.number}").get_data(as_text=True)
    assert "Sending in" in page and "Undo" in page  # still inside the 30 s window


def test_undo_puts_text_back_and_restores_status(client, world):
    conv = world["conv"]
    login(client, world["anna"])
    client.post(
        f"/conversations/{conv.number}/reply",
        data={"text": "Oops, wrong customer", "status_after": "closed", "last_item_id": _last_id(conv)},
    )
    item = db.session.execute(db.select(ThreadItem).where(ThreadItem.type == "reply")).scalar_one()
    # another agent cannot undo Anna's reply
    other = client.application.test_client()
    login(other, world["ben"])
    assert other.post(f"/conversations/{conv.number}/items/{item.id}/undo").status_code == 404
    resp = client.post(f"/conversations/{conv.number}/items/{item.id}/undo", headers={"Accept": "application/json"})
    assert resp.json == {"ok": True, "text": "Oops, wrong customer"}
    db.session.expire_all()
    assert db.session.get(ThreadItem, item.id).send_status == "cancelled"
    assert db.session.execute(db.select(OutboxMessage.status)).scalar() == "cancelled"
    assert db.session.get(Conversation, conv.id).status == "active"
    page = client.get(f"/conversations/{conv.number}?mode=reply").get_data(as_text=True)
    assert ">Oops, wrong customer</textarea>" in page
    assert 'class="item item-out' not in page  # the withdrawn reply is not in the thread


def test_undo_too_late(client, world):
    conv = world["conv"]
    login(client, world["anna"])
    client.post(f"/conversations/{conv.number}/reply", data={"text": "Hello", "last_item_id": _last_id(conv)})
    item = db.session.execute(db.select(ThreadItem).where(ThreadItem.type == "reply")).scalar_one()
    db.session.execute(db.update(OutboxMessage).values(status="sent"))
    db.session.commit()
    resp = client.post(f"/conversations/{conv.number}/items/{item.id}/undo", follow_redirects=True)
    assert "Too late to undo" in resp.get_data(as_text=True)


def test_collision_warns_then_send_anyway(client, world):
    conv = world["conv"]
    login(client, world["anna"])
    seen = _last_id(conv)
    add_customer_message(conv, text="Actually, it just arrived!")
    resp = client.post(f"/conversations/{conv.number}/reply", data={"text": "We will refund you", "last_item_id": seen})
    assert resp.status_code == 409
    html = resp.get_data(as_text=True)
    assert "Your reply was not sent" in html and "Actually, it just arrived!" in html
    assert "Send anyway" in html and ">We will refund you</textarea>" in html and 'name="force" value="1"' in html
    assert db.session.execute(db.select(OutboxMessage)).first() is None
    resp = client.post(
        f"/conversations/{conv.number}/reply", data={"text": "We will refund you", "last_item_id": seen, "force": "1"}
    )
    assert resp.status_code == 302
    assert db.session.execute(db.select(OutboxMessage)).scalar_one()


def test_own_items_and_events_are_not_collisions(client, world):
    from inbox import conversations

    conv = world["conv"]
    login(client, world["anna"])
    seen = _last_id(conv)
    conversations.add_tag(conv, "x", by=world["ben"])
    conversations.add_note(conv, world["anna"], "my own note")
    db.session.commit()
    resp = client.post(f"/conversations/{conv.number}/reply", data={"text": "Fine", "last_item_id": seen})
    assert resp.status_code == 302


def test_reply_validation(client, world):
    conv = world["conv"]
    login(client, world["anna"])
    resp = client.post(f"/conversations/{conv.number}/reply", data={"text": "  ", "last_item_id": _last_id(conv)})
    assert resp.status_code == 400 and "Write something before sending." in resp.get_data(as_text=True)
    resp = client.post(f"/conversations/{conv.number}/reply", data={"text": "x", "cc": "not an address"})
    assert resp.status_code == 400 and "is not an email address" in resp.get_data(as_text=True)


def test_attachment_size_limit_is_clear(client, world):
    import io

    conv = world["conv"]
    login(client, world["anna"])
    resp = client.post(
        f"/conversations/{conv.number}/reply",
        content_type="multipart/form-data",
        data={
            "text": "see attached",
            "last_item_id": _last_id(conv),
            "attachments": [(io.BytesIO(b"x" * 1500), "big.bin")],
        },
    )
    assert resp.status_code == 400
    assert "“big.bin” is too large" in resp.get_data(as_text=True)
    assert db.session.execute(db.select(OutboxMessage)).first() is None
    resp = client.post(
        f"/conversations/{conv.number}/reply",
        content_type="multipart/form-data",
        data={
            "text": "see attached",
            "last_item_id": _last_id(conv),
            "attachments": [(io.BytesIO(b"small file"), "notes.txt")],
        },
    )
    assert resp.status_code == 302
    item = db.session.execute(db.select(ThreadItem).where(ThreadItem.type == "reply")).scalar_one()
    assert [(a.filename, a.size) for a in item.attachments] == [("notes.txt", 10)]


def test_note_is_never_sent(client, world):
    conv = world["conv"]
    login(client, world["anna"])
    resp = client.post(f"/conversations/{conv.number}/note", data={"text": "Internal: *check* the depot"})
    assert resp.status_code == 302
    note = db.session.execute(db.select(ThreadItem).where(ThreadItem.type == "note")).scalar_one()
    assert note.author_id == world["anna"].id and note.send_status is None
    assert db.session.execute(db.select(OutboxMessage)).first() is None
    page = client.get(f"/conversations/{conv.number}").get_data(as_text=True)
    assert "<em>check</em>" in page and "Note · not sent" in page
    assert client.post(f"/conversations/{conv.number}/note", data={"text": ""}).status_code == 400


def test_forward_message(client, world):
    conv = world["conv"]
    login(client, world["anna"])
    item = conv.items[0]
    resp = client.post(
        f"/conversations/{conv.number}/forward",
        data={"to": "warehouse@partner.test", "text": "Can you check?", "item_id": str(item.id)},
    )
    assert resp.status_code == 302
    row = db.session.execute(db.select(OutboxMessage)).scalar_one()
    assert row.recipients == ["warehouse@partner.test"]
    msg = email.message_from_bytes(row.mime, policy=email.policy.default)
    assert "my order has not arrived" in msg.get_body(("plain",)).get_content()
    assert client.post(f"/conversations/{conv.number}/forward", data={"to": ""}).status_code == 400


def test_draft_autosave_roundtrip(client, world):
    conv = world["conv"]
    login(client, world["anna"])
    r = client.post(
        f"/conversations/{conv.number}/draft", json={"kind": "reply", "body": "half a thought", "cc": "a@x.test"}
    )
    assert r.json["saved"] is True
    client.post(
        f"/conversations/{conv.number}/draft", json={"kind": "reply", "body": "a whole thought", "cc": "a@x.test"}
    )
    drafts = db.session.execute(db.select(Draft)).scalars().all()
    assert [(d.body, d.cc) for d in drafts] == [("a whole thought", ["a@x.test"])]
    page = client.get(f"/conversations/{conv.number}").get_data(as_text=True)
    assert ">a whole thought</textarea>" in page and 'value="a@x.test"' in page
    # Ben sees none of Anna's draft
    other = client.application.test_client()
    login(other, world["ben"])
    assert "a whole thought" not in other.get(f"/conversations/{conv.number}").get_data(as_text=True)
    # sending clears it
    client.post(f"/conversations/{conv.number}/reply", data={"text": "a whole thought", "last_item_id": _last_id(conv)})
    assert db.session.execute(db.select(Draft)).first() is None
    assert client.post(f"/conversations/{conv.number}/draft", json={"kind": "evil"}).status_code == 400


def test_compose_new_conversation(client, world):
    login(client, world["anna"])
    page = client.get("/compose").get_data(as_text=True)
    assert "Support" in page and "Billing" not in page
    resp = client.post(
        "/compose", data={"mailbox_id": str(world["other_mb"].id), "to": "x@y.test", "subject": "s", "text": "t"}
    )
    assert resp.status_code == 404
    resp = client.post("/compose", data={"mailbox_id": str(world["mb"].id), "to": "", "subject": "", "text": ""})
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert "Enter at least one recipient." in html and "needs a subject" in html
    resp = client.post(
        "/compose",
        data={
            "mailbox_id": str(world["mb"].id),
            "to": "Dana <dana@example.org>",
            "subject": "Your quote",
            "text": "Hello **Dana**",
        },
    )
    assert resp.status_code == 302
    conv = db.session.execute(db.select(Conversation).where(Conversation.subject == "Your quote")).scalar_one()
    assert conv.customer.email == "dana@example.org" and conv.source == "agent"
    assert resp.headers["Location"].endswith(f"/conversations/{conv.number}")
    row = db.session.execute(db.select(OutboxMessage)).scalar_one()
    assert email.message_from_bytes(row.mime)["Subject"] == "Your quote"


def test_compose_draft(client, world):
    login(client, world["anna"])
    client.post(
        "/compose/draft",
        json={
            "kind": "new",
            "body": "Dear Dana",
            "to": "dana@example.org",
            "subject": "Quote",
            "mailbox_id": str(world["mb"].id),
        },
    )
    page = client.get("/compose").get_data(as_text=True)
    assert ">Dear Dana</textarea>" in page and 'value="Quote"' in page and 'value="dana@example.org"' in page
    assert (
        client.post(
            "/compose/draft", json={"kind": "new", "body": "x", "mailbox_id": str(world["other_mb"].id)}
        ).status_code
        == 404
    )


def test_names_with_commas_survive_the_to_field(client, world):
    conv = make_conversation(world["mb"], customer_name="Jensen, Carla", customer_email="cj@example.net")
    login(client, world["anna"])
    page = client.get(f"/conversations/{conv.number}").get_data(as_text=True)
    assert 'value="&#34;Jensen, Carla&#34; &lt;cj@example.net&gt;"' in page
    resp = client.post(
        f"/conversations/{conv.number}/reply",
        data={
            "text": "Hello",
            "to": '"Jensen, Carla" <cj@example.net>; extra@example.net',
            "last_item_id": _last_id(conv),
        },
    )
    assert resp.status_code == 302
    row = db.session.execute(db.select(OutboxMessage)).scalar_one()
    assert row.recipients == ["cj@example.net", "extra@example.net"]
