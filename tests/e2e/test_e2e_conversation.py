"""The conversation page in a real browser, with mail fetched from a real Dovecot and replies
delivered to a real SMTP sink by the outbox step."""

from __future__ import annotations

import re
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from werkzeug.serving import make_server

from inbox.extensions import db
from inbox.mail.inbound.sync import sync_mailbox
from inbox.mail.outbound import outbox
from inbox.models import Conversation, OutboxMessage, ThreadItem, utcnow

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from conversation_helpers import PNG, make_conversation, make_user  # noqa: E402

PASSWORD = "correct horse battery"


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True, "UNDO_SEND_SECONDS": 6, "DISABLE_PLUGINS": "all"}


@pytest.fixture
def live(app, mailbox):
    anna = make_user("Anna Berg", mailboxes=[mailbox], email="anna@team.test")
    ben = make_user("Ben Ortiz", mailboxes=[mailbox], email="ben@team.test")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield {"url": f"http://127.0.0.1:{server.server_port}", "app": app, "mailbox": mailbox, "anna": anna, "ben": ben}
    server.shutdown()


def login(page: Page, base: str, email: str) -> None:
    page.goto(base + "/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def fetch_from_dovecot(dovecot, user: str, mailbox, raw: bytes) -> Conversation:
    dovecot.append(user, raw)
    stats, busy = sync_mailbox(mailbox)
    assert not busy and stats.fetched >= 1
    db.session.expire_all()
    return db.session.execute(db.select(Conversation).order_by(Conversation.id.desc()).limit(1)).scalar_one()


def send_due(app) -> dict:
    # as if the undo window had passed: the worker's step with a clock a minute ahead
    return outbox.send_due(app, now=utcnow() + timedelta(seconds=60))


def test_reply_undo_note_assign_close(page: Page, live, dovecot, imap_account, smtp_sink):
    mailbox = live["mailbox"]
    raw = (
        f"From: Carla Jensen <carla@customer.test>\r\nTo: {mailbox.email}\r\nSubject: Kettle broken\r\n"
        "Message-ID: <kettle-1@customer.test>\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\nMy kettle stopped working after two days.\r\n"
    ).encode()
    conv = fetch_from_dovecot(dovecot, imap_account[0], mailbox, raw)
    base = live["url"]
    login(page, base, "anna@team.test")
    page.goto(f"{base}/conversations/{conv.number}")
    expect(page.locator(".item-customer")).to_contain_text("My kettle stopped working after two days.")
    expect(page.locator("h1")).to_have_text("Kettle broken")

    # "?" lists this page's shortcuts
    page.keyboard.press("?")
    expect(page.locator("#shortcut-list")).to_contain_text("Add a note")
    expect(page.locator("#shortcut-list")).to_contain_text("Close the conversation")
    page.keyboard.press("Escape")
    expect(page.locator("#shortcut-help")).to_be_hidden()

    # "r" focuses the reply editor; a first reply is sent and undone
    page.keyboard.press("r")
    expect(page.locator("#reply-text")).to_be_focused()
    page.keyboard.type("Sorry, wrong text")
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.locator(".undo-bar")).to_contain_text("Sending in")
    page.locator(".undo-bar").get_by_role("button", name="Undo").click()
    expect(page.locator("#reply-text")).to_have_value("Sorry, wrong text")
    assert send_due(live["app"])["sent"] == 0 and smtp_sink.messages == []

    # the real reply reaches the sink threaded on the customer's message
    page.fill("#reply-text", "Hi Carla,\n\nwe are sending a **new kettle** today.")
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.locator(".item-reply")).to_contain_text("new kettle")
    assert send_due(live["app"])["sent"] == 1
    (msg,) = [smtp_sink.parsed()[0]] if smtp_sink.wait_for(1) else [None]
    assert msg["In-Reply-To"] == "<kettle-1@customer.test>"
    assert "<kettle-1@customer.test>" in msg["References"]
    assert msg["To"].addresses[0].addr_spec == "carla@customer.test"
    assert msg["Subject"] == "Re: Kettle broken"
    assert "new kettle" in msg.get_body(("plain",)).get_content()
    page.reload()
    expect(page.locator(".item-reply .send-status")).to_have_text("Sent")

    # a note is shown as a note and never sent
    page.keyboard.press("n")
    expect(page.locator("#note-text")).to_be_focused()
    page.keyboard.type("Warehouse says stock arrives Friday")
    page.get_by_role("button", name="Add note").click()
    expect(page.locator(".item-note")).to_contain_text("Warehouse says stock arrives Friday")
    send_due(live["app"])
    time.sleep(0.3)
    assert len(smtp_sink.messages) == 1

    # assign (select submits itself) and close with "c"
    page.select_option("#assignee", label="Ben Ortiz")
    expect(page.locator(".cv-meta")).to_contain_text("Ben Ortiz")
    page.keyboard.press("c")
    expect(page.locator(".cv-meta .badge")).to_have_text("Closed")
    db.session.expire_all()
    conv = db.session.get(Conversation, conv.id)
    assert conv.status == "closed" and conv.assignee_id == live["ben"].id
    expect(page.locator(".event").last).to_contain_text("Anna Berg changed the status to Closed")


def test_collision_between_two_agents(browser, live):
    conv = make_conversation(live["mailbox"], subject="Refund please", customer_email="dora@customer.test")
    base = live["url"]
    ctx_a, ctx_b = browser.new_context(), browser.new_context()
    try:
        anna, ben = ctx_a.new_page(), ctx_b.new_page()
        login(anna, base, "anna@team.test")
        login(ben, base, "ben@team.test")
        anna.goto(f"{base}/conversations/{conv.number}")
        ben.goto(f"{base}/conversations/{conv.number}")
        ben.fill("#reply-text", "I'll handle the refund")
        ben.locator("#reply-text").focus()
        expect(anna.locator("#presence")).to_contain_text("Ben Ortiz is replying", timeout=15000)
        expect(ben.locator("#presence")).to_contain_text("Anna Berg is viewing", timeout=15000)

        # Ben sends first; Anna's page learns about it and her own send is held back
        ben.get_by_role("button", name="Send", exact=True).click()
        expect(ben.locator(".item-reply")).to_contain_text("handle the refund")
        expect(anna.locator("#new-activity")).to_be_visible(timeout=15000)
        anna.fill("#reply-text", "Refund issued!")
        anna.get_by_role("button", name="Send", exact=True).click()
        expect(anna.locator(".collision")).to_contain_text("Your reply was not sent")
        expect(anna.locator(".collision")).to_contain_text("I'll handle the refund")
        expect(anna.locator("#reply-text")).to_have_value("Refund issued!")
        assert db.session.execute(db.select(db.func.count()).select_from(OutboxMessage)).scalar() == 1
        anna.get_by_role("button", name="Send anyway").click()
        expect(anna.locator(".item-reply").last).to_contain_text("Refund issued!")
        assert db.session.execute(db.select(db.func.count()).select_from(OutboxMessage)).scalar() == 2
    finally:
        ctx_a.close()
        ctx_b.close()


def test_hostile_html_runs_nothing_and_remote_images_wait(page: Page, live, dovecot, imap_account, httpserver):
    httpserver.expect_request("/pixel.png").respond_with_data(PNG, content_type="image/png")
    httpserver.expect_request("/bg.png").respond_with_data(PNG, content_type="image/png")
    remote = httpserver.url_for("/pixel.png")
    html = f"""<html><head><meta http-equiv="refresh" content="0;url={httpserver.url_for("/refresh")}">
<base href="{httpserver.url_for("/")}"><style>body {{ background: url({httpserver.url_for("/bg.png")}) }}</style>
<script>alert('xss-script')</script></head><body>
<p id="hello" onmouseover="alert('xss-hover')">Hello from a hostile mail</p>
<img src="x" onerror="alert('xss-onerror')">
<svg onload="alert('xss-svg')"><circle r="4"/></svg>
<a id="jslink" href="javascript:alert('xss-link')">click me</a>
<form action="{httpserver.url_for("/steal")}"><input name="pw"><button>Log in</button></form>
<iframe src="{httpserver.url_for("/frame")}"></iframe>
<p style="position:fixed;top:0;left:0;width:100%;height:100%;background:red">overlay</p>
<img id="tracker" src="{remote}" alt="remote">
</body></html>"""
    mailbox = live["mailbox"]
    raw = (
        f"From: Mallory <mallory@evil.test>\r\nTo: {mailbox.email}\r\nSubject: Invoice\r\n"
        "Message-ID: <hostile-1@evil.test>\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n"
        "Content-Type: text/html; charset=utf-8\r\n\r\n" + html
    ).encode()
    conv = fetch_from_dovecot(dovecot, imap_account[0], mailbox, raw)

    dialogs, console, remote_requests = [], [], []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("console", lambda m: console.append(m.text))
    page.on("request", lambda r: remote_requests.append(r.url) if r.url.startswith(httpserver.url_for("/")) else None)
    base = live["url"]
    login(page, base, "anna@team.test")
    page.goto(f"{base}/conversations/{conv.number}")
    frame = page.frame_locator(".item-customer iframe")
    expect(frame.locator("#m-hello")).to_have_text("Hello from a hostile mail")
    frame.locator("#m-hello").hover()
    frame.locator("#m-jslink").click()
    expect(frame.locator("script, base, iframe")).to_have_count(0)
    expect(frame.locator("body").locator("svg, form, input, button, meta, style, link")).to_have_count(0)
    assert frame.locator("#m-jslink").get_attribute("href") is None
    overlay_style = frame.locator("p", has_text="overlay").get_attribute("style") or ""
    assert "position" not in overlay_style
    page.wait_for_timeout(500)
    assert dialogs == []
    assert not [c for c in console if "xss" in c or "Blocked script execution" in c]
    assert remote_requests == [] and len(httpserver.log) == 0
    # the page itself is where it was: no refresh, no base, no top navigation
    assert page.url == f"{base}/conversations/{conv.number}"

    expect(page.locator(".frame-bar")).to_contain_text("1 remote image blocked")
    page.get_by_role("button", name="Show images").click()
    expect(frame.locator("#m-tracker")).to_have_attribute("src", remote)
    deadline = time.monotonic() + 10
    while not httpserver.log and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [req.path for req, _ in httpserver.log] == ["/pixel.png"]
    assert dialogs == []


def test_attachment_and_inline_image_from_dovecot(page: Page, live, dovecot, imap_account):
    import base64

    mailbox = live["mailbox"]
    png64 = base64.b64encode(PNG).decode()
    raw = (
        f"From: Carla <carla@customer.test>\r\nTo: {mailbox.email}\r\nSubject: Photo\r\n"
        "Message-ID: <photo-1@customer.test>\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="B1"\r\n\r\n'
        '--B1\r\nContent-Type: multipart/related; boundary="B2"\r\n\r\n'
        "--B2\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        '<p>See the damage: <img id="inl" src="cid:dmg@x" alt="damage"></p>\r\n'
        "--B2\r\nContent-Type: image/png\r\nContent-ID: <dmg@x>\r\nContent-Disposition: inline; filename=dmg.png\r\n"
        f"Content-Transfer-Encoding: base64\r\n\r\n{png64}\r\n--B2--\r\n"
        '--B1\r\nContent-Type: text/html; charset=utf-8\r\nContent-Disposition: attachment; filename="receipt.html"\r\n\r\n'
        "<script>alert('xss-attachment')</script>\r\n--B1--\r\n"
    ).encode()
    conv = fetch_from_dovecot(dovecot, imap_account[0], mailbox, raw)
    base = live["url"]
    login(page, base, "anna@team.test")
    page.goto(f"{base}/conversations/{conv.number}")
    frame = page.frame_locator(".item-customer iframe")
    img = frame.locator("#m-inl")
    expect(img).to_have_attribute("src", re.compile(r"^/attachments/\d+/preview$"))
    # the frame keeps our origin (sandboxed without scripts), so the image loads with the session
    deadline = time.monotonic() + 10
    while not img.evaluate("i => i.complete && i.naturalWidth > 0") and time.monotonic() < deadline:
        time.sleep(0.1)
    assert img.evaluate("i => i.naturalWidth") == 1
    # and without the session the same URL shows nothing
    anonymous = page.context.browser.new_context()
    assert anonymous.request.get(base + img.get_attribute("src"), max_redirects=0).status in (302, 401)
    anonymous.close()
    expect(page.locator(".att-name")).to_have_text(["receipt.html"])
    with page.expect_download() as dl:
        page.locator(".att-name").click()
    assert dl.value.suggested_filename == "receipt.html"
    resp = page.request.get(base + page.locator(".att-name").get_attribute("href"))
    assert resp.headers["content-type"] == "application/octet-stream"
    assert resp.headers["x-content-type-options"] == "nosniff"
    item = db.session.execute(db.select(ThreadItem).where(ThreadItem.conversation_id == conv.id)).scalar_one()
    assert any(a.content_id == "dmg@x" for a in item.attachments)
