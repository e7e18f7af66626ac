"""Regression tests for the security review: each test is one hole that was open."""

from __future__ import annotations

from conversation_helpers import add_customer_message, login, make_conversation, make_mailbox, make_user
from portal_helpers import mail_in, sign_in_as

from inbox.extensions import db
from inbox.mail.outbound import outbox
from inbox.models import Conversation, CustomerEmail, ThreadItem, User


def _second_conversation(customer, mailbox) -> Conversation:
    from inbox.conversations import next_number

    conv = Conversation(number=next_number(), mailbox_id=mailbox.id, subject="Private matter", customer_id=customer.id)
    db.session.add(conv)
    db.session.commit()
    add_customer_message(conv, text="only mailbox B may read this")
    return conv


def test_agent_cannot_edit_a_customer_who_also_writes_to_a_hidden_mailbox(app, client):
    a, b = make_mailbox("A"), make_mailbox("B")
    conv = make_conversation(a, customer_email="shared@customer.test", customer_name="Shared Person")
    _second_conversation(conv.customer, b)
    agent = make_user("Agent A", mailboxes=[a])
    login(client, agent)
    client.post(f"/conversations/{conv.number}/customer/emails", data={"email": "agent-a@evil.test"})
    client.post(f"/conversations/{conv.number}/customer", data={"name": "Renamed"})
    db.session.expire_all()
    # the added address could sign in to the portal as this customer and read mailbox B's thread
    assert (
        db.session.execute(db.select(CustomerEmail).where(CustomerEmail.email == "agent-a@evil.test")).scalar() is None
    )
    assert db.session.get(Conversation, conv.id).customer.name == "Shared Person"


def test_agent_may_rename_but_not_add_addresses_to_a_customer_whose_conversations_they_all_see(app, client):
    a = make_mailbox("A")
    conv = make_conversation(a, customer_email="own@customer.test")
    login(client, make_user("Agent A", mailboxes=[a]))
    client.post(f"/conversations/{conv.number}/customer/emails", data={"email": "second@customer.test"})
    client.post(f"/conversations/{conv.number}/customer", data={"name": "New Name"})
    db.session.expire_all()
    customer = db.session.get(Conversation, conv.id).customer
    # review finding 6: an added address signs in to the portal as the customer, so only admins add one
    assert {e.email for e in customer.emails} == {"own@customer.test"}
    assert customer.name == "New Name"


def test_admin_may_edit_any_customer(app, client):
    a, b = make_mailbox("A"), make_mailbox("B")
    conv = make_conversation(a, customer_email="shared2@customer.test")
    _second_conversation(conv.customer, b)
    login(client, make_user("Ada", role="admin"))
    client.post(f"/conversations/{conv.number}/customer/emails", data={"email": "alias@customer.test"})
    db.session.expire_all()
    assert "alias@customer.test" in {e.email for e in db.session.get(Conversation, conv.id).customer.emails}


def test_bulk_back_never_leaves_the_site(app, client):
    a = make_mailbox("A")
    conv = make_conversation(a)
    login(client, make_user("Agent A", mailboxes=[a]))
    for back in ("/\\evil.test/x", "/\t/evil.test", "https://evil.test/", "//evil.test"):
        response = client.post("/inbox/bulk", data={"ids": [str(conv.id)], "action": "close", "back": back})
        assert response.status_code == 302
        location = response.headers["Location"]
        assert "evil.test" not in location, (back, location)
    ok = client.post("/inbox/bulk", data={"ids": [str(conv.id)], "action": "active", "back": "/inbox?folder=mine"})
    assert ok.headers["Location"].endswith("/inbox?folder=mine")


def test_portal_never_shows_a_forward_to_a_third_party(app, client, mailbox):
    conv = mail_in(mailbox, "fwd@customer.test", "Broken kettle", "It leaks.", name="Kim")
    agent = User(email="sam@support.test", name="Sam Agent", role="admin")
    db.session.add(agent)
    db.session.flush()
    fwd = outbox.queue_forward(conv, agent, "supplier@vendor.test", "SUPPLIER-ONLY: this one exaggerates")
    db.session.commit()
    from inbox import storage
    from inbox.models import Attachment

    att = Attachment(
        item_id=fwd.id, filename="internal.txt", content_type="text/plain", size=3, sha256=storage.store(b"int")
    )
    db.session.add(att)
    db.session.commit()
    sign_in_as(client, conv.customer, "fwd@customer.test")
    page = client.get(f"/portal/requests/{conv.number}").get_data(as_text=True)
    assert "It leaks." in page
    assert "SUPPLIER-ONLY" not in page
    assert client.get(f"/portal/attachments/{att.id}").status_code == 404


def test_portal_refuses_attachments_of_a_cancelled_reply(app, client, mailbox):
    conv = mail_in(mailbox, "undo@customer.test", "Refund", "Please refund.", name="Uma")
    agent = User(email="sue@support.test", name="Sue Agent", role="admin")
    db.session.add(agent)
    db.session.flush()
    reply = outbox.queue_reply(conv, agent, "draft words", attachments=[("plan.txt", "text/plain", b"secret plan")])
    db.session.commit()
    att_id = reply.attachments[0].id
    assert outbox.cancel(reply)
    db.session.commit()
    sign_in_as(client, conv.customer, "undo@customer.test")
    assert client.get(f"/portal/attachments/{att_id}").status_code == 404


def test_saved_reply_attachment_is_never_served_as_a_page(app, client):
    from inbox_plugins.saved_replies import service

    a = make_mailbox("A")
    agent = make_user("Agent A", mailboxes=[a])
    reply = service.create(
        agent, service.ReplyData(title="Shared", body="See attached", scope="mailbox", mailbox_id=a.id)
    )
    att = service.add_attachment(agent, reply, "page.html", "text/html", b"<script>fetch('/admin/users')</script>")
    db.session.commit()
    login(client, make_user("Colleague", mailboxes=[a]))
    response = client.get(f"/saved-replies/{reply.id}/attachments/{att.id}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/octet-stream"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]


def test_pages_cannot_be_framed_by_other_sites(app, client):
    a = make_mailbox("A")
    conv = make_conversation(a)
    login(client, make_user("Agent A", mailboxes=[a]))
    for url in (f"/conversations/{conv.number}", "/inbox", "/login", "/portal/"):
        response = client.get(url)
        assert response.headers.get("X-Frame-Options") == "SAMEORIGIN", url
        assert response.headers.get("X-Content-Type-Options") == "nosniff", url
        assert response.headers.get("Referrer-Policy") == "same-origin", url


def _login_form(client, email, password="correct horse battery", remember=False):
    data = {"email": email, "password": password}
    if remember:
        data["remember"] = "on"
    return client.post("/login", data=data)


def test_a_password_change_ends_every_other_session(app):
    a = make_mailbox("A")
    user = make_user("Pat", mailboxes=[a], email="pat@team.test")
    thief, owner = app.test_client(), app.test_client()
    assert _login_form(thief, "pat@team.test", remember=True).status_code == 302
    assert _login_form(owner, "pat@team.test").status_code == 302
    assert thief.get("/inbox").status_code == 200
    response = owner.post(
        "/profile",
        data={
            "name": "Pat",
            "current_password": "correct horse battery",
            "new_password": "a brand new secret",
            "confirm_password": "a brand new secret",
        },
    )
    assert response.status_code == 302
    assert owner.get("/inbox").status_code == 200  # the one who changed it stays in
    assert thief.get("/inbox").status_code == 302  # the session cookie is dead
    thief.delete_cookie("session")
    assert thief.get("/inbox").status_code == 302  # and so is the remember-me cookie
    assert _login_form(app.test_client(), "pat@team.test", password="a brand new secret").status_code == 302


def test_portal_attachment_download_is_inert(app, client, mailbox):
    from inbox import storage
    from inbox.models import Attachment

    conv = mail_in(mailbox, "html@customer.test", "Invoice", "See attached.", name="Hal")
    item = db.session.execute(db.select(ThreadItem).where(ThreadItem.conversation_id == conv.id)).scalar_one()
    att = Attachment(
        item_id=item.id,
        filename="invoice.html",
        content_type="text/html",
        size=10,
        sha256=storage.store(b"<script>alert(document.cookie)</script>"),
    )
    db.session.add(att)
    db.session.commit()
    sign_in_as(client, conv.customer, "html@customer.test")
    response = client.get(f"/portal/attachments/{att.id}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/octet-stream"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert "sandbox" in response.headers["Content-Security-Policy"]
