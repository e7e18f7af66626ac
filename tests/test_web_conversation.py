"""The conversation page and its actions, through the Flask test client."""

import re
from datetime import datetime, timedelta, timezone

import pytest
from conversation_helpers import PNG, add_customer_message, login, make_conversation, make_mailbox, make_user

from inbox import conversations
from inbox.extensions import db
from inbox.models import Conversation, Presence, ThreadItem, utcnow


@pytest.fixture
def world(app):
    mb = make_mailbox(name="Support")
    other_mb = make_mailbox(name="Billing")
    anna = make_user("Anna Berg", mailboxes=[mb])
    ben = make_user("Ben Ortiz", mailboxes=[mb])
    outsider = make_user("Olga Other", mailboxes=[other_mb])
    conv = make_conversation(mb, customer_name="Carla Jensen")
    hidden = make_conversation(other_mb, subject="Invoice question")
    return dict(mb=mb, other_mb=other_mb, anna=anna, ben=ben, outsider=outsider, conv=conv, hidden=hidden)


def test_page_shows_thread_kinds_and_marks_read(client, world):
    conv, anna, ben = world["conv"], world["anna"], world["ben"]
    conversations.assign(conv, anna, by=ben)
    conversations.add_note(conv, ben, "Called the **depot**", None)
    item = add_customer_message(conv, text="Any news?", quoted="On Mon Anna wrote:\n> we are on it")
    item.parse_error = "charset: unknown-8bit"
    db.session.commit()
    assert conv.is_unread
    login(client, anna)
    html = client.get(f"/conversations/{conv.number}").get_data(as_text=True)
    assert "Where is my order?" in html and f"#{conv.number}" in html
    assert 'class="item item-note"' in html and "<strong>depot</strong>" in html
    assert "Ben Ortiz assigned this to Anna Berg" in html
    assert "Show quoted text" in html and "we are on it" in html
    assert "could not be read completely" in html
    assert "Carla Jensen" in html  # sidebar customer
    # the GET changed nothing (review finding 27); the page's first presence heartbeat marks it read
    db.session.refresh(conv)
    assert conv.is_unread
    last = re.search(r'data-last-item-id="(\d+)"', html).group(1)
    assert (
        client.post(
            f"/conversations/{conv.number}/presence", json={"state": "viewing", "last_item_id": last}
        ).status_code
        == 200
    )
    db.session.refresh(conv)
    assert conv.last_read_at is not None and not conv.is_unread


def test_other_mailbox_is_404_everywhere(client, world):
    login(client, world["outsider"])
    conv = world["conv"]
    item = conv.items[0]
    assert client.get(f"/conversations/{conv.number}").status_code == 404
    assert client.get(f"/conversations/{conv.number}/items/{item.id}/body").status_code == 404
    for path in (
        "status",
        "assign",
        "tags",
        "tags/remove",
        "snooze",
        "merge",
        "move",
        "customer",
        "customer/emails",
        "presence",
        "order",
        f"items/{item.id}/retry",
        "reply",
        "note",
        "forward",
        "draft",
    ):
        assert client.post(f"/conversations/{conv.number}/{path}", data={"status": "closed"}).status_code == 404, path
    assert client.get("/conversations/99999").status_code == 404


def test_login_required(client, world):
    resp = client.get(f"/conversations/{world['conv'].number}")
    assert resp.status_code in (302, 401)


def test_body_route_is_sandboxed_and_sanitised(client, world):
    conv = world["conv"]
    item = add_customer_message(
        conv,
        html='<p onclick="x()">Hi<script>alert(1)</script>'
        '<img src="https://tracker.test/p.gif"><img src="cid:logo"></p>',
        attachments=[("logo.png", "image/png", PNG, "logo")],
    )
    login(client, world["anna"])
    page = client.get(f"/conversations/{conv.number}").get_data(as_text=True)
    assert f'src="/conversations/{conv.number}/items/{item.id}/body"' in page
    # same origin (its images carry the session) but never scripts
    assert 'sandbox="allow-same-origin allow-popups allow-popups-to-escape-sandbox"' in page
    assert "1 remote image blocked" in page

    resp = client.get(f"/conversations/{conv.number}/items/{item.id}/body")
    csp = resp.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "sandbox" in csp and "script-src 'none'" in csp
    assert "allow-scripts" not in csp and "unsafe-eval" not in csp
    assert "https:" not in csp
    body = resp.get_data(as_text=True)
    assert "<script>alert" not in body and "onclick" not in body and "tracker.test" not in body
    assert f'src="/attachments/{item.attachments[0].id}/preview"' in body
    shown = client.get(f"/conversations/{conv.number}/items/{item.id}/body?images=1")
    assert "https:" in shown.headers["Content-Security-Policy"]
    assert 'src="https://tracker.test/p.gif"' in shown.get_data(as_text=True)
    # an item of another conversation cannot be fetched through this one
    other = world["hidden"].items[0]
    assert client.get(f"/conversations/{conv.number}/items/{other.id}/body").status_code == 404


def test_status_assign_tags(client, world):
    conv, anna, ben = world["conv"], world["anna"], world["ben"]
    login(client, anna)
    n = conv.number
    assert client.post(f"/conversations/{n}/status", data={"status": "closed"}).status_code == 302
    assert client.post(f"/conversations/{n}/status", data={"status": "bogus"}).status_code == 302
    assert client.post(f"/conversations/{n}/assign", data={"assignee": str(ben.id)}).status_code == 302
    client.post(f"/conversations/{n}/tags", data={"tag": "VIP, shipping"})
    client.post(f"/conversations/{n}/tags/remove", data={"tag": "shipping"})
    db.session.expire_all()
    conv = db.session.get(Conversation, conv.id)
    assert conv.status == "closed" and conv.assignee_id == ben.id
    assert [t.name for t in conv.tags] == ["vip"]
    kinds = [i.event["kind"] for i in conv.items if i.type == "event"]
    assert kinds == ["status", "assigned", "tagged", "tagged", "untagged"]
    page = client.get(f"/conversations/{n}").get_data(as_text=True)
    assert "Anna Berg changed the status to Closed" in page and "Anna Berg assigned this to Ben Ortiz" in page


def test_cannot_assign_to_agent_without_access(client, world):
    login(client, world["anna"])
    client.post(f"/conversations/{world['conv'].number}/assign", data={"assignee": str(world["outsider"].id)})
    db.session.expire_all()
    assert db.session.get(Conversation, world["conv"].id).assignee_id is None


def test_snooze_preset_and_custom(client, world):
    login(client, world["anna"])
    n = world["conv"].number
    client.post(f"/conversations/{n}/snooze", data={"preset": "3d", "tz_offset": "-60"})
    db.session.expire_all()
    conv = db.session.get(Conversation, world["conv"].id)
    assert conv.status == "pending" and conv.snoozed_until > utcnow() + timedelta(days=2)
    client.post(f"/conversations/{n}/snooze", data={"until": "2001-01-01T09:00", "tz_offset": "0"})
    db.session.expire_all()
    assert db.session.get(Conversation, conv.id).snoozed_until.year != 2001  # the past is refused
    # a typed time is in the agent's own zone (the one the page shows times in), DST included
    world["anna"].timezone = "America/New_York"
    db.session.commit()
    client.post(f"/conversations/{n}/snooze", data={"until": "2031-07-01T09:00"})
    db.session.expire_all()
    assert db.session.get(Conversation, conv.id).snoozed_until == datetime(
        2031, 7, 1, 13, 0, tzinfo=timezone.utc
    )  # EDT
    client.post(f"/conversations/{n}/snooze", data={"until": "2031-12-01T09:00"})
    db.session.expire_all()
    assert db.session.get(Conversation, conv.id).snoozed_until == datetime(
        2031, 12, 1, 14, 0, tzinfo=timezone.utc
    )  # EST


def test_merge_keeps_history_and_refuses_hidden(client, world):
    conv, mb = world["conv"], world["mb"]
    other = make_conversation(mb, subject="Second mail", text="Same problem again")
    login(client, world["anna"])
    client.post(f"/conversations/{conv.number}/merge", data={"other": str(world["hidden"].number)})
    db.session.expire_all()
    assert db.session.get(Conversation, world["hidden"].id).merged_into_id is None
    client.post(f"/conversations/{conv.number}/merge", data={"other": f"#{other.number}"})
    db.session.expire_all()
    assert db.session.get(Conversation, other.id).merged_into_id == conv.id
    page = client.get(f"/conversations/{conv.number}").get_data(as_text=True)
    assert "Same problem again" in page and f"merged #{other.number}" in page
    # the old number leads to the winner
    resp = client.get(f"/conversations/{other.number}")
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/conversations/{conv.number}")


def test_move_only_to_visible_mailbox(client, world):
    conv = world["conv"]
    login(client, world["anna"])
    client.post(f"/conversations/{conv.number}/move", data={"mailbox": str(world["other_mb"].id)})
    db.session.expire_all()
    assert db.session.get(Conversation, conv.id).mailbox_id == world["mb"].id
    third = make_mailbox(name="Sales")
    world["anna"].mailboxes.append(third)
    db.session.commit()
    client.post(f"/conversations/{conv.number}/move", data={"mailbox": str(third.id)})
    db.session.expire_all()
    assert db.session.get(Conversation, conv.id).mailbox_id == third.id


def test_customer_edit_and_address_taken(client, world):
    conv = world["conv"]
    login(client, world["anna"])
    client.post(f"/conversations/{conv.number}/customer", data={"name": "Carla J. Jensen"})
    taken = world["hidden"].customer.email
    # an agent adds no address, and learns nothing about customers of mailboxes hidden from them
    resp = client.post(f"/conversations/{conv.number}/customer/emails", data={"email": taken}, follow_redirects=True)
    assert "ask an admin" in resp.get_data(as_text=True) and "another customer" not in resp.get_data(as_text=True)
    login(client, make_user("Ada Admin", role="admin"))
    client.post(f"/conversations/{conv.number}/customer/emails", data={"email": "Carla.Work@Example.NET"})
    resp = client.post(f"/conversations/{conv.number}/customer/emails", data={"email": taken}, follow_redirects=True)
    assert "belongs to another customer" in resp.get_data(as_text=True)  # admins see every mailbox anyway
    db.session.expire_all()
    customer = db.session.get(Conversation, conv.id).customer
    assert customer.name == "Carla J. Jensen"
    assert [e.email for e in customer.emails][1:] == ["carla.work@example.net"]


def test_thread_order_preference(client, world):
    conv = world["conv"]
    add_customer_message(conv, text="SECOND MESSAGE")
    login(client, world["anna"])
    page = client.get(f"/conversations/{conv.number}").get_data(as_text=True)
    assert page.index("my order has not arrived") < page.index("SECOND MESSAGE")
    client.post(f"/conversations/{conv.number}/order", data={"order": "newest"})
    page = client.get(f"/conversations/{conv.number}").get_data(as_text=True)
    assert page.index("SECOND MESSAGE") < page.index("my order has not arrived")
    assert db.session.get(type(world["anna"]), world["anna"].id).preferences["thread_order"] == "newest"


def test_presence_shows_other_agents_and_new_items(app, world):
    conv = world["conv"]
    anna, ben = app.test_client(), app.test_client()
    login(anna, world["anna"])
    login(ben, world["ben"])
    last = max(i.id for i in conv.items)
    assert anna.post(
        f"/conversations/{conv.number}/presence", json={"state": "viewing", "last_item_id": last}
    ).json == {"others": [], "new_items": 0}
    ben.post(f"/conversations/{conv.number}/presence", json={"state": "replying"})
    data = anna.post(f"/conversations/{conv.number}/presence", json={"state": "viewing", "last_item_id": last}).json
    assert data["others"] == [{"name": "Ben Ortiz", "state": "replying"}]
    add_customer_message(conv, text="new!")
    data = anna.post(f"/conversations/{conv.number}/presence", json={"state": "viewing", "last_item_id": last}).json
    assert data["new_items"] == 1
    # a heartbeat older than the window no longer counts
    db.session.execute(
        db.update(Presence).where(Presence.user_id == world["ben"].id).values(seen_at=utcnow() - timedelta(seconds=30))
    )
    db.session.commit()
    assert anna.post(f"/conversations/{conv.number}/presence", json={}).json["others"] == []
    page = anna.get(f"/conversations/{conv.number}").get_data(as_text=True)
    assert "is replying" not in page


def test_failed_reply_shows_reason_and_retry(client, world):
    from inbox.mail.outbound import outbox
    from inbox.models import OutboxMessage

    conv = world["conv"]
    item = outbox.queue_reply(conv, world["anna"], "Hello there")
    db.session.commit()
    db.session.execute(db.update(OutboxMessage).values(status="failed", last_error="550 no such user"))
    item.send_status, item.send_error = "failed", "550 no such user"
    db.session.commit()
    login(client, world["anna"])
    page = client.get(f"/conversations/{conv.number}").get_data(as_text=True)
    assert "Sending failed." in page and "550 no such user" in page and "Retry" in page
    client.post(f"/conversations/{conv.number}/items/{item.id}/retry")
    db.session.expire_all()
    assert db.session.get(ThreadItem, item.id).send_status == "queued"
    assert db.session.execute(db.select(OutboxMessage.status)).scalar() == "queued"


@pytest.fixture
def csrf_app(tmp_path, _migrated_template):
    from inbox.testing.fixtures import make_app

    app = make_app(str(tmp_path / "csrf"), _migrated_template, WTF_CSRF_ENABLED=True)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def test_csrf_refused_without_token(csrf_app):
    mb = make_mailbox()
    anna = make_user(mailboxes=[mb])
    conv = make_conversation(mb)
    client = csrf_app.test_client()
    login(client, anna)
    for path in (
        "status",
        "assign",
        "tags",
        "snooze",
        "merge",
        "move",
        "customer",
        "presence",
        "reply",
        "note",
        "forward",
        "draft",
    ):
        resp = client.post(f"/conversations/{conv.number}/{path}", data={"status": "closed", "text": "x"})
        assert resp.status_code == 400, path
    db.session.expire_all()
    assert db.session.get(Conversation, conv.id).status == "active"
    # with the token from the page the same POST works
    page = client.get(f"/conversations/{conv.number}").get_data(as_text=True)
    token = page.split('name="csrf-token" content="')[1].split('"')[0]
    assert (
        client.post(f"/conversations/{conv.number}/status", data={"status": "closed", "csrf_token": token}).status_code
        == 302
    )
    assert (
        client.post(f"/conversations/{conv.number}/presence", json={}, headers={"X-CSRFToken": token}).status_code
        == 200
    )
