"""Regression tests for the mail findings of the security review (3, 4, 5, 6, 18, 19, 22, 23, 25).

Each test replays the attack the review describes, through the real importer (the path IMAP mail
takes) and the real web routes; it failed before the fix."""

from __future__ import annotations

import time

from conversation_helpers import login, make_mailbox, make_user
from portal_helpers import mail_in, sign_in_as

from inbox.extensions import db
from inbox.mail.inbound.ingest import Ingestor, prepare
from inbox.mail.outbound import outbox
from inbox.models import Conversation, CustomerEmail, OutboxMessage, ThreadItem


def ingest_raw(mailbox, raw: bytes) -> ThreadItem:
    """One hostile message through the importer, exactly as the review fed them."""
    fetched = prepare(None, raw)
    Ingestor(mailbox, "INBOX", None).store([fetched])
    return db.session.execute(
        db.select(ThreadItem).where(ThreadItem.message_id == fetched.parsed.message_id)
    ).scalar_one()


def raw_mail(
    frm: str,
    subject: str,
    body: str,
    message_id: str,
    to: str = "support@help.test",
    extra: str = "",
    html: str | None = None,
) -> bytes:
    head = (
        f"From: {frm}\r\nTo: {to}\r\nSubject: {subject}\r\nMessage-ID: <{message_id}>\r\n"
        f"Date: Wed, 02 Dec 2026 09:00:00 +0000\r\nMIME-Version: 1.0\r\n{extra}"
    )
    if html is None:
        return (head + "Content-Type: text/plain; charset=utf-8\r\n\r\n" + body + "\r\n").encode()
    return (head + "Content-Type: text/html; charset=utf-8\r\n\r\n").encode() + html.encode()


# --- finding 3: "[#N]" in a subject from a stranger ------------------------------------------------


def test_a_stranger_naming_a_conversation_number_starts_a_new_conversation(app, client):
    box = make_mailbox("Billing", email="support@help.test")
    emma = mail_in(box, "emma@customer.test", "Export to CSV", "The export button does nothing.", name="Emma")
    before = len(emma.items)
    attack = ingest_raw(
        box,
        raw_mail(
            "Billing Dept <attacker@evil.test>",
            f"Re: [#{emma.number}] Export to CSV",
            "Hi Emma, please confirm your card details at https://evil.test/pay",
            "inject-1@evil.test",
        ),
    )
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
    for sender, mid in (
        ("kim.home@customer.test", "n1@customer.test"),
        ("partner@customer.test", "n2@customer.test"),
        ("kim@customer.test", "n3@customer.test"),
    ):
        item = ingest_raw(box, raw_mail(sender, f"Re: [#{conv.number}] Broken kettle", "thanks", mid))
        assert item.conversation_id == conv.id, sender
    # in the customer's portal, the copied partner's message is theirs, not "You"
    portal = app.test_client()
    sign_in_as(portal, db.session.get(Conversation, conv.id).customer, "kim@customer.test")
    page = portal.get(f"/portal/requests/{conv.number}").get_data(as_text=True)
    assert page.count('class="message from-other"') == 1 and page.count('class="message from-you"') == 3


def test_a_reply_to_elsewhere_is_shown_not_prefilled(app, client):
    box = make_mailbox("Support", email="support@help.test")
    item = ingest_raw(
        box,
        raw_mail(
            "Olivia <olivia@customer.test>",
            "Refund",
            "Please refund.",
            "r1@customer.test",
            extra="Reply-To: Accounts <pay@evil.test>\r\n",
        ),
    )
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
    item = ingest_raw(
        box,
        raw_mail(
            "Noor <noor@customer.test>",
            "Re: Feature request: dark mode",
            "Any news?",
            "crlf-1@customer.test",
            extra=f"Reply-To: =?utf-8?q?X=0D=0AY?= <x@customer.test>\r\nIn-Reply-To: <{conv.items[0].message_id}>\r\n",
        ),
    )
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
    # From names were already collapsed by the parser (the review's "held" list); kept as a guard
    # now that every address header goes through the same cleaning
    box = make_mailbox("Support", email="support@help.test")
    item = ingest_raw(
        box,
        raw_mail(
            "=?utf-8?q?Evil=0D=0ABcc=3A_x=40evil=2Etest?= <n@customer.test>",
            "Hello",
            "Hi",
            "name-1@customer.test",
            extra="Cc: =?utf-8?q?A=00B=07C?= <c@customer.test>\r\n",
        ),
    )
    assert item.from_name == "Evil Bcc: x@evil.test"
    assert item.cc == [{"name": "ABC", "email": "c@customer.test"}]  # no control character survives


# --- finding 5: deeply nested or huge HTML -------------------------------------------------------


def test_deeply_nested_html_is_sanitised_once_and_answers_fast(app, client):
    box = make_mailbox("Support", email="support@help.test")
    depth = 100_000
    html = "<html><body>" + "<div>" * depth + "<p>deep text</p><script>alert(1)</script>" + "</div>" * depth
    t0 = time.perf_counter()
    item = ingest_raw(box, raw_mail("Deep <deep@customer.test>", "Nested", "", "deep-1@customer.test", html=html))
    imported = time.perf_counter() - t0
    assert item.html_clean is not None and item.html_clean.count("<div>") <= 200
    assert "deep text" in item.html_clean and "script" not in item.html_clean
    conv = db.session.get(Conversation, item.conversation_id)
    login(client, make_user("Ada", role="admin"))
    t0 = time.perf_counter()
    assert client.get(f"/conversations/{conv.number}").status_code == 200
    page = time.perf_counter() - t0
    t0 = time.perf_counter()
    body = client.get(f"/conversations/{conv.number}/items/{item.id}/body")
    frame = time.perf_counter() - t0
    assert body.status_code == 200 and "deep text" in body.get_data(as_text=True)
    # the review measured 59 s and 106 s; a generous bound only as a sanity check (figures: bench/)
    assert imported < 10 and page < 5 and frame < 5, (imported, page, frame)


def test_html_over_the_cap_is_cut_and_the_original_offered(app, client):
    app.config["MAX_HTML_CHARS"] = 50_000
    box = make_mailbox("Support", email="support@help.test")
    html = "<p>start</p>" + "<p>" + "word " * 30_000 + "</p><p>THE END</p>"
    item = ingest_raw(box, raw_mail("Long <long@customer.test>", "Long", "", "long-1@customer.test", html=html))
    assert item.html_limit == "truncated" and "THE END" not in item.html_clean and "start" in item.html_clean
    conv = db.session.get(Conversation, item.conversation_id)
    login(client, make_user("Ada", role="admin"))
    page = client.get(f"/conversations/{conv.number}").get_data(as_text=True)
    assert "too long to show in full" in page
    original = client.get(f"/conversations/{conv.number}/items/{item.id}/original")
    assert original.status_code == 200 and b"THE END" in original.data
    assert original.headers["Content-Disposition"].startswith("attachment")
    assert original.headers["Content-Type"] == "application/octet-stream"
    assert app.test_client().get(f"/conversations/{conv.number}/items/{item.id}/original").status_code in (302, 401)


def test_mail_over_max_message_bytes_is_kept_raw_and_shown_as_text(app, client):
    app.config["MAX_MESSAGE_BYTES"] = 20_000
    box = make_mailbox("Support", email="support@help.test")
    html = "<p>Big hello</p>" + "<p>padding</p>" * 3000
    item = ingest_raw(box, raw_mail("Big <big@customer.test>", "Big", "", "big-1@customer.test", html=html))
    assert item.html_limit == "too_large" and item.html_clean is None
    conv = db.session.get(Conversation, item.conversation_id)
    login(client, make_user("Ada", role="admin"))
    page = client.get(f"/conversations/{conv.number}").get_data(as_text=True)
    assert "larger than" in page and "Big hello" in page and "<iframe" not in page
    assert client.get(f"/conversations/{conv.number}/items/{item.id}/body").status_code == 404
    assert b"Big hello" in client.get(f"/conversations/{conv.number}/items/{item.id}/original").data


def test_rows_from_before_the_migration_are_prepared_on_first_view(app, client):
    box = make_mailbox("Support", email="support@help.test")
    item = ingest_raw(
        box,
        raw_mail(
            "Old <old@customer.test>",
            "Old",
            "",
            "old-1@customer.test",
            html="<p>old mail</p><img src=x onerror=alert(1)>",
        ),
    )
    item.html_clean = None
    db.session.commit()
    conv = db.session.get(Conversation, item.conversation_id)
    login(client, make_user("Ada", role="admin"))
    body = client.get(f"/conversations/{conv.number}/items/{item.id}/body").get_data(as_text=True)
    assert "old mail" in body and "onerror" not in body
    db.session.expire_all()
    assert "old mail" in db.session.get(ThreadItem, item.id).html_clean


# --- finding 22 / issue 10: mail content needs a session ------------------------------------------


def test_cid_images_are_served_only_with_a_session_that_may_see_them(app, client):
    from inbox import storage
    from inbox.models import Attachment

    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
    box, hidden = make_mailbox("Support", email="support@help.test"), make_mailbox("Other")
    item = ingest_raw(
        box,
        raw_mail(
            "Pic <pic@customer.test>",
            "Photo",
            "",
            "pic-1@customer.test",
            html='<p>see</p><img src="cid:photo1" alt="photo">',
        ),
    )
    att = Attachment(
        item_id=item.id,
        filename="photo.png",
        content_type="image/png",
        size=len(png),
        sha256=storage.store(png),
        content_id="photo1",
        inline=True,
    )
    db.session.add(att)
    db.session.commit()
    conv = db.session.get(Conversation, item.conversation_id)
    agent = make_user("Sam", mailboxes=[box])
    login(client, agent)
    response = client.get(f"/conversations/{conv.number}/items/{item.id}/body")
    body = response.get_data(as_text=True)
    src = f"/attachments/{att.id}/preview"
    assert f'src="{src}"' in body
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'none'" in csp and "sandbox allow-same-origin" in csp and "allow-scripts" not in csp
    page = client.get(f"/conversations/{conv.number}").get_data(as_text=True)
    assert 'sandbox="allow-same-origin allow-popups' in page and "allow-scripts" not in page
    assert client.get(src).data == png
    assert app.test_client().get(src).status_code in (302, 401)  # a leaked URL is worth nothing alone
    outsider = app.test_client()
    login(outsider, make_user("Jordan", mailboxes=[hidden]))
    assert outsider.get(src).status_code == 404


# --- findings 6 and 18: a customer's addresses -----------------------------------------------------


def _flash(client) -> str:
    with client.session_transaction() as sess:
        return " ".join(m for _c, m in sess.pop("_flashes", []))


def test_an_agent_cannot_add_an_address_to_read_a_customer_through_the_portal(app, client):
    support, billing = make_mailbox("Support", email="support@help.test"), make_mailbox("Billing")
    olivia = mail_in(support, "olivia@customer.test", "Login trouble", "I cannot log in.", name="Olivia")
    mail_in(billing, "liam@customer.test", "Invoice", "Where is my invoice?", name="Liam")
    jordan = make_user("Jordan", mailboxes=[support])
    login(client, jordan)
    client.post(f"/conversations/{olivia.number}/customer/emails", data={"email": "jordan-evil@evil.test"})
    refused_unknown = _flash(client)
    client.post(f"/conversations/{olivia.number}/customer/emails", data={"email": "liam@customer.test"})
    refused_known = _flash(client)
    # one answer, whether or not the address is a customer in a mailbox jordan cannot see
    assert refused_unknown == refused_known and "liam" not in refused_known and "another customer" not in refused_known
    assert (
        db.session.execute(db.select(CustomerEmail).where(CustomerEmail.email == "jordan-evil@evil.test")).first()
        is None
    )
    page = client.get(f"/conversations/{olivia.number}").get_data(as_text=True)
    assert 'name="email" placeholder' not in page  # no form that cannot work


def test_an_address_added_later_sees_only_what_began_after_it_and_the_change_is_an_event(app, client):
    support, billing = make_mailbox("Support", email="support@help.test"), make_mailbox("Billing")
    before = mail_in(support, "olivia@customer.test", "Private history", "OLIVIA OLD SECRET", name="Olivia")
    login(client, make_user("Ada", role="admin"))
    client.post(f"/conversations/{before.number}/customer/emails", data={"email": "olivia.work@customer.test"})
    db.session.expire_all()
    conv = db.session.get(Conversation, before.id)
    added = next(e for e in conv.customer.emails if e.email == "olivia.work@customer.test")
    assert added.created_at is not None
    event = [i for i in conv.items if i.type == "event"][-1]
    assert event.event["kind"] == "customer_email_added" and event.event["email"] == "olivia.work@customer.test"
    assert "added olivia.work@customer.test" in client.get(f"/conversations/{conv.number}").get_data(as_text=True)
    after = mail_in(billing, "olivia@customer.test", "New question", "OLIVIA NEW", name="Olivia")
    assert after.customer_id == conv.customer_id
    late = app.test_client()
    sign_in_as(late, conv.customer, "olivia.work@customer.test")
    listing = late.get("/portal/requests").get_data(as_text=True)
    assert "New question" in listing and "Private history" not in listing
    assert late.get(f"/portal/requests/{before.number}").status_code == 404
    assert late.get(f"/portal/requests/{after.number}").status_code == 200
    first = app.test_client()  # the address the customer was created from still sees everything
    sign_in_as(first, conv.customer, "olivia@customer.test")
    assert first.get(f"/portal/requests/{before.number}").status_code == 200
    # once the later address writes in a conversation itself, it sees that one
    ingest_raw(
        support,
        raw_mail(
            "olivia.work@customer.test",
            "Re: Private history",
            "from work",
            "w1@customer.test",
            extra=f"In-Reply-To: <{conv.items[0].message_id}>\r\n",
        ),
    )
    assert late.get(f"/portal/requests/{before.number}").status_code == 200


# --- finding 19: CR/LF in what a customer types in the portal ---------------------------------------


def test_crlf_in_portal_subjects_names_and_filenames_is_collapsed_never_a_500(app, client):
    from io import BytesIO

    from inbox.models import RawMessage

    box = make_mailbox("Support", email="support@help.test")
    conv = mail_in(box, "cr@customer.test", "First", "hello", name="Cy")
    conv.customer.name = "Cy\r\nBcc: name@evil.test"
    db.session.commit()
    sign_in_as(client, conv.customer, "cr@customer.test")

    def post_new(subject, filename="note.txt"):
        client.get("/portal/new")
        with client.session_transaction() as s:
            s["portal_form_at"] = time.time() - 10
        return client.post(
            "/portal/new",
            content_type="multipart/form-data",
            data={
                "mailbox": str(box.id),
                "subject": subject,
                "body": "Body text",
                "website": "",
                "attachments": (BytesIO(b"file"), filename),
            },
        )

    response = post_new("Hello\r\nBcc: injected@evil.test\r\nX-Injected: 1", "a\r\nX-File: 1.txt")
    assert response.status_code == 302
    new = db.session.execute(db.select(Conversation).where(Conversation.subject.like("Hello%"))).scalar_one()
    assert new.subject == "Hello Bcc: injected@evil.test X-Injected: 1"
    raw = db.session.execute(
        db.select(RawMessage.data)
        .join(ThreadItem, ThreadItem.raw_message_id == RawMessage.id)
        .where(ThreadItem.conversation_id == new.id)
    ).scalar_one()
    assert b"\nBcc:" not in raw and b"\nX-Injected" not in raw and b"\nX-File" not in raw
    assert post_new("\r\n\r\n").status_code == 400  # nothing left of it: the form asks for a subject
    reply = client.post(
        f"/portal/requests/{conv.number}/reply",
        content_type="multipart/form-data",
        data={"body": "more", "attachments": (BytesIO(b"x"), "b\r\nc.txt")},
    )
    assert reply.status_code == 302


# --- finding 23: the tag list of the inbox -----------------------------------------------------------


def test_the_inbox_lists_only_tags_of_visible_mailboxes(app, client):
    from inbox import conversations

    support, billing = make_mailbox("Support", email="support@help.test"), make_mailbox("Billing")
    mine = mail_in(support, "a@customer.test", "Printer", "jammed")
    hidden = mail_in(billing, "b@customer.test", "Refund", "please")
    conversations.add_tag(mine, "printer")
    conversations.add_tag(hidden, "refund-secret")
    db.session.commit()
    login(client, make_user("Jordan", mailboxes=[support]))
    page = client.get("/inbox").get_data(as_text=True)
    assert "printer" in page and "refund-secret" not in page
    admin = app.test_client()
    login(admin, make_user("Ada", role="admin"))
    assert "refund-secret" in admin.get("/inbox").get_data(as_text=True)


# --- finding 25: control characters in search queries --------------------------------------------------


def test_nul_and_control_characters_in_search_are_no_error(app, client):
    box = make_mailbox("Support", email="support@help.test")
    mail_in(box, "s@customer.test", "Searchable test", "a test message")
    login(client, make_user("Ada", role="admin"))
    for q in ("%00%01%20test", "%00", "te%00st", "%22%00%22", "subject:%00test"):
        response = client.get(f"/search?q={q}")
        assert response.status_code == 200, q
    assert "Searchable" in client.get("/search?q=%00%01%20test").get_data(as_text=True)
    portal = app.test_client()
    for q in ("%00%01%20refund", "%00"):
        response = portal.get(f"/portal/kb/?q={q}")
        assert response.status_code == 200 and "\x00" not in response.get_data(as_text=True), q
