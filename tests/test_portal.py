"""The customer portal: sign-in links, ownership, replies and new requests as if mailed."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from portal_helpers import link_from, mail_in, sign_in_as

from inbox import hookimpl
from inbox.conversations import add_note
from inbox.extensions import db
from inbox.mail.outbound import outbox
from inbox.models import Conversation, PortalToken, ThreadItem, User, utcnow


@pytest.fixture
def conv(app, mailbox):
    return mail_in(mailbox, "ann@customer.test", "Where is my parcel?", "It has not arrived.", name="Ann Lee")


def _request_link(client, email):
    return client.post("/portal/sign-in", data={"email": email})


def test_sign_in_link_flow_through_smtp(app, client, conv, smtp_sink):
    page = _request_link(client, "Ann@Customer.test")
    assert page.status_code == 200 and b"Check your mail" in page.data
    outbox.send_due(app)
    (message,) = [m for m in smtp_sink.parsed() if m["To"] == "ann@customer.test"]
    link = link_from(message)
    path = link.split("localhost", 1)[1]
    assert client.get(path).status_code == 200  # shows a button; GET alone does not sign in
    assert client.get("/portal/requests").status_code == 302
    response = client.post(path)
    assert response.status_code == 302 and response.location.endswith("/portal/requests")
    listing = client.get("/portal/requests")
    assert b"Where is my parcel?" in listing.data
    # the token is single use
    other = app.test_client()
    assert other.post(path).status_code == 410
    token_rows = db.session.execute(db.select(PortalToken)).scalars().all()
    assert len(token_rows) == 1 and token_rows[0].used_at is not None
    assert path.rsplit("/", 1)[1] not in token_rows[0].token_hash  # only the hash is stored


def test_unknown_address_gets_the_same_page_and_no_mail(app, client, conv, smtp_sink):
    known = _request_link(client, "ann@customer.test")
    unknown = _request_link(client, "nobody@else.test")
    assert unknown.status_code == known.status_code == 200

    def same(data, address):  # the CSP nonce differs on every page
        return re.sub(rb'nonce="[^"]+"', b"", data.replace(address, b"X"))

    assert same(unknown.data, b"nobody@else.test") == same(known.data, b"ann@customer.test")
    outbox.send_due(app)
    assert [m["To"] for m in smtp_sink.parsed()] == ["ann@customer.test"]


def test_expired_token_is_refused(app, client, conv, smtp_sink):
    _request_link(client, "ann@customer.test")
    outbox.send_due(app)
    path = link_from(smtp_sink.parsed()[0]).split("localhost", 1)[1]
    row = db.session.execute(db.select(PortalToken)).scalar_one()
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert client.get(path).status_code == 410
    assert client.post(path).status_code == 410
    assert client.get("/portal/requests").status_code == 302


def test_sign_in_requests_are_rate_limited(client, conv):
    codes = [_request_link(client, "ann@customer.test").status_code for _ in range(6)]
    assert codes[:5] == [200] * 5 and codes[5] == 429
    assert b"Too many sign-in requests" in _request_link(client, "ann@customer.test").data


def test_request_page_shows_messages_and_replies_but_never_notes(app, client, conv, mailbox):
    agent = User(email="agent@support.test", name="Sam Agent", role="admin")
    db.session.add(agent)
    db.session.flush()
    add_note(conv, agent, "INTERNAL: customer is grumpy")
    outbox.queue_reply(conv, agent, "We have sent a replacement.")
    db.session.commit()
    sign_in_as(client, conv.customer, "ann@customer.test")
    page = client.get(f"/portal/requests/{conv.number}").get_data(as_text=True)
    assert "It has not arrived." in page and "We have sent a replacement." in page
    assert "INTERNAL" not in page and "grumpy" not in page
    assert "assigned" not in page.lower()


def test_another_customers_ids_are_404_everywhere(app, client, conv, mailbox):
    other = mail_in(
        mailbox, "bob@other.test", "Bob's secret order", "Order 99", name="Bob", message_id="bob1@other.test"
    )
    with_attachment = db.session.execute(
        db.select(ThreadItem).where(ThreadItem.conversation_id == other.id)
    ).scalar_one()
    from inbox.models import Attachment

    att = Attachment(
        item_id=with_attachment.id, filename="secret.pdf", content_type="application/pdf", size=3, sha256="0" * 64
    )
    db.session.add(att)
    db.session.commit()
    sign_in_as(client, conv.customer, "ann@customer.test")
    routes = [
        ("get", f"/portal/requests/{other.number}"),
        ("post", f"/portal/requests/{other.number}/reply"),
        ("get", f"/portal/attachments/{att.id}"),
        ("get", "/portal/requests/999999"),
    ]
    for method, url in routes:
        response = getattr(client, method)(url, data={"body": "hi"} if method == "post" else None)
        assert response.status_code == 404, (method, url, response.status_code)
    assert b"secret order" not in client.get("/portal/requests").data


def test_portal_reply_joins_the_conversation_as_a_customer_message(app, client, conv, smtp_sink):
    seen = []

    class Spy:
        @hookimpl
        def customer_replied(self, conversation, item, history):
            seen.append((conversation.number, item.type, history))

    from inbox.plugin_host import host

    host().pm.register(Spy(), name="spy")
    host().modules["spy"] = Spy
    sign_in_as(client, conv.customer, "ann@customer.test")
    response = client.post(f"/portal/requests/{conv.number}/reply", data={"body": "Still nothing, sorry!"})
    assert response.status_code == 302
    items = (
        db.session.execute(db.select(ThreadItem).where(ThreadItem.conversation_id == conv.id).order_by(ThreadItem.id))
        .scalars()
        .all()
    )
    assert [i.type for i in items] == ["customer", "customer"]
    assert items[-1].source == "portal" and items[-1].raw_message_id is not None
    assert items[-1].from_email == "ann@customer.test"
    assert seen == [(conv.number, "customer", False)]
    assert db.session.execute(db.select(db.func.count()).select_from(Conversation)).scalar() == 1


def test_new_request_creates_a_conversation_as_if_mailed(app, client, conv, mailbox):
    created = []

    class Spy:
        @hookimpl
        def conversation_created(self, conversation, item, history):
            created.append((conversation.subject, item.from_email, history))

    from inbox.plugin_host import host

    host().pm.register(Spy(), name="spy2")
    host().modules["spy2"] = Spy
    sign_in_as(client, conv.customer, "ann@customer.test")
    client.get("/portal/new")
    with client.session_transaction() as s:
        s["portal_form_at"] = time.time() - 10
    response = client.post(
        "/portal/new",
        data={
            "mailbox": str(mailbox.id),
            "subject": "Invoice copy",
            "body": "Could you send my invoice?",
            "website": "",
        },
    )
    assert response.status_code == 302
    new = db.session.execute(db.select(Conversation).where(Conversation.subject == "Invoice copy")).scalar_one()
    assert new.customer_id == conv.customer_id and new.source == "portal"
    assert created == [("Invoice copy", "ann@customer.test", False)]
    assert response.location.endswith(f"/portal/requests/{new.number}")


def test_new_request_spam_protection(app, client, conv, mailbox):
    sign_in_as(client, conv.customer, "ann@customer.test")
    client.get("/portal/new")
    too_fast = client.post("/portal/new", data={"subject": "s", "body": "b", "mailbox": str(mailbox.id)})
    assert too_fast.status_code == 400 and b"quick" in too_fast.data
    with client.session_transaction() as s:
        s["portal_form_at"] = time.time() - 10
    bot = client.post(
        "/portal/new", data={"subject": "s", "body": "b", "mailbox": str(mailbox.id), "website": "http://spam.test"}
    )
    assert bot.status_code == 400
    missing = client.post("/portal/new", data={"subject": "", "body": "", "mailbox": str(mailbox.id)})
    assert b"Give your request a subject." in missing.data and b"Describe what you need." in missing.data
    assert db.session.execute(db.select(db.func.count()).select_from(Conversation)).scalar() == 1


def test_portal_forms_need_csrf(tmp_path, _migrated_template):
    from inbox.testing.fixtures import make_app

    app = make_app(str(tmp_path / "i"), _migrated_template, WTF_CSRF_ENABLED=True)
    client = app.test_client()
    assert client.post("/portal/sign-in", data={"email": "a@b.test"}).status_code == 400
    page = client.get("/portal/").get_data(as_text=True)
    assert 'name="csrf_token"' in page


def test_agent_login_grants_nothing_in_the_portal(client, conv):
    assert client.get("/portal/requests").status_code == 302
    assert client.get(f"/portal/requests/{conv.number}").status_code == 302


def test_new_request_gets_the_auto_reply_exactly_once(app, client, conv, mailbox, smtp_sink):
    from inbox_plugins.autoresponder.models import AutoresponderConfig

    db.session.add(
        AutoresponderConfig(
            mailbox_id=mailbox.id,
            enabled=True,
            subject="We got it: {{ conversation.subject }}",
            body="Hi {{ customer.first_name | default('there') }}, we will answer soon.",
        )
    )
    db.session.commit()
    sign_in_as(client, conv.customer, "ann@customer.test")
    client.get("/portal/new")
    with client.session_transaction() as s:
        s["portal_form_at"] = time.time() - 10
    client.post("/portal/new", data={"mailbox": str(mailbox.id), "subject": "Broken zipper", "body": "Help!"})
    new = db.session.execute(db.select(Conversation).where(Conversation.subject == "Broken zipper")).scalar_one()
    outbox.send_due(app)
    (reply,) = [m for m in smtp_sink.parsed() if "Broken zipper" in str(m["Subject"])]
    assert reply["To"].addresses[0].addr_spec == "ann@customer.test" and reply["Auto-Submitted"] == "auto-replied"
    first = (
        db.session.execute(db.select(ThreadItem).where(ThreadItem.conversation_id == new.id).order_by(ThreadItem.id))
        .scalars()
        .first()
    )
    assert reply["In-Reply-To"] == f"<{first.message_id}>"
    # a portal follow-up in the same conversation gets no second auto-reply
    client.post(f"/portal/requests/{new.number}/reply", data={"body": "Any news?"})
    outbox.send_due(app)
    assert len([m for m in smtp_sink.parsed() if "Broken zipper" in str(m["Subject"])]) == 1


def test_portal_uploads_follow_the_agents_total_limit(app, client, conv):
    """One upload reader (inbox/web/uploads.py): MAX_ATTACHMENT_BYTES is for all files together,
    in the portal as in the agent's editor (the portal once checked each file alone)."""
    import io

    app.config["MAX_ATTACHMENT_BYTES"] = 1000  # this test's app only, before any request
    sign_in_as(client, conv.customer, "ann@customer.test")
    files = [(io.BytesIO(b"a" * 600), "one.txt"), (io.BytesIO(b"b" * 600), "two.txt")]
    response = client.post(
        f"/portal/requests/{conv.number}/reply",
        data={"body": "Two files", "attachments": files},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400 and "“two.txt” is too large" in response.get_data(as_text=True)
    assert (
        db.session.execute(
            db.select(db.func.count()).select_from(ThreadItem).where(ThreadItem.conversation_id == conv.id)
        ).scalar()
        == 1
    )
    one = [(io.BytesIO(b"a" * 600), "one.txt")]
    response = client.post(
        f"/portal/requests/{conv.number}/reply",
        data={"body": "One file", "attachments": one},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
