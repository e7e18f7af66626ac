"""The picker in a real browser (Debian chromium through Playwright) on the real conversation
page: open it from the editor toolbar and with Ctrl+Shift+S, type to search, insert at the cursor."""

from __future__ import annotations

import pytest
from playwright import sync_api as playwright_api

from inbox.extensions import db
from inbox_plugins.saved_replies import service
from inbox_plugins.saved_replies.models import SavedReply
from inbox_plugins.saved_replies.service import ReplyData


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}  # the browser goes through the real forms


@pytest.fixture
def live_url(live_server):
    return live_server


@pytest.fixture
def browser_page(page):
    """pytest-playwright's page on the system Chromium (inbox.testing.browser)."""
    page.set_default_timeout(10_000)
    return page


@pytest.fixture
def world(app, make_world):
    w = make_world()
    w.ann.set_password("secret-pw")
    service.create(
        w.ann,
        ReplyData(
            title="Shipping delay",
            folder="Orders",
            body="Hi {{ customer.first_name }}, your order for #{{ conversation.number }} "
            "ships tomorrow. {{ agent.first_name }}",
        ),
    )
    refund = service.create(
        w.ann, ReplyData(title="Refund", body="Refunds take 5 days, {{ customer.first_name | default('friend') }}.")
    )
    service.add_attachment(w.ann, refund, "refund-form.pdf", "application/pdf", b"%PDF-1.4 refund form")
    service.create(w.bob, ReplyData(title="Bob only", body="private to Bob"))
    db.session.commit()
    return w


def _login(page, base, email, password):
    page.goto(base + "/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("form button[type=submit]")
    page.wait_for_load_state()


def test_picker_inserts_at_the_cursor(world, live_url, browser_page, tmp_path):
    expect = playwright_api.expect
    page = browser_page
    _login(page, live_url, "ann@shop.test", "secret-pw")
    page.goto(f"{live_url}/conversations/{world.conv.number}")
    editor = page.locator("#reply-text")
    editor.fill("Dear customer,\n\n\n\nThanks!")
    editor.evaluate("ta => { ta.focus(); ta.setSelectionRange(16, 16); }")  # after the blank line

    page.locator("#reply-form [data-plugin='saved_replies']").click()
    picker = page.locator("[data-editor-popover] [data-sr-picker]")
    expect(picker).to_be_visible()
    expect(picker.locator(".sr-insert")).to_have_count(2)  # Bob's personal reply is not offered
    expect(picker).not_to_contain_text("Bob only")
    search = picker.locator("[data-sr-search]")
    expect(search).to_be_focused()
    search.type("ships tomor")  # matches the body, not the title
    expect(picker.locator(".sr-insert")).to_have_count(1)
    expect(picker.locator(".sr-insert")).to_contain_text("Shipping delay")
    expect(picker.locator(".sr-item-preview")).to_contain_text("Hi Ann, your order for #101 ships tomorrow.")
    page.screenshot(path=str(tmp_path / "picker.png"))
    picker.locator(".sr-insert").click()

    expect(page.locator("[data-editor-popover]")).to_be_hidden()
    expected = "Dear customer,\n\nHi Ann, your order for #101 ships tomorrow. Ann\n\nThanks!"
    expect(editor).to_have_value(expected)
    # the use was counted, so this reply now comes first
    reply = db.session.execute(db.select(SavedReply).where(SavedReply.title == "Shipping delay")).scalar_one()
    for _ in range(50):
        db.session.refresh(reply)
        if reply.usage_count:
            break
        page.wait_for_timeout(100)
    assert reply.usage_count == 1 and reply.last_used_at is not None

    # keyboard only: Ctrl+Shift+S opens the picker, typing filters, Enter inserts the first match
    editor.evaluate("ta => { ta.focus(); ta.setSelectionRange(ta.value.length, ta.value.length); }")
    page.keyboard.press("Control+Shift+S")
    expect(picker).to_be_visible()
    expect(search).to_be_focused()
    page.keyboard.type("refund")
    expect(picker.locator(".sr-insert")).to_have_count(1)
    page.keyboard.press("Enter")
    expect(editor).to_have_value(expected + "Refunds take 5 days, Ann.")
    # its attachment joined the reply's files, byte for byte
    files = page.locator("#reply-form input[type=file][name=attachments]")
    page.wait_for_function("() => document.querySelector('#reply-form input[name=attachments]').files.length === 1")
    assert files.evaluate("i => [i.files[0].name, i.files[0].type, i.files[0].size]") == [
        "refund-form.pdf",
        "application/pdf",
        20,
    ]

    # and sending the reply sends the text and the file
    page.locator("#reply-form .send-group button[type=submit]").first.click()
    page.wait_for_load_state()
    from inbox.models import ThreadItem

    sent = None
    for _ in range(50):
        db.session.rollback()
        sent = db.session.execute(db.select(ThreadItem).where(ThreadItem.type == "reply")).scalar()
        if sent is not None:
            break
        page.wait_for_timeout(100)
    assert sent is not None and "Hi Ann, your order for #101 ships tomorrow." in sent.text
    assert [(a.filename, a.size) for a in sent.attachments] == [("refund-form.pdf", 20)]


def test_management_page_previews_and_saves(world, live_url, browser_page):
    expect = playwright_api.expect
    page = browser_page
    _login(page, live_url, "ann@shop.test", "secret-pw")
    page.goto(live_url + "/saved-replies/")
    expect(page.locator(".sr-table")).to_contain_text("Shipping delay")
    expect(page.locator(".sr-table")).not_to_contain_text("Bob only")
    page.click("text=New saved reply")
    page.fill("#sr-title", "Welcome")
    page.fill("#sr-folder", "Greetings")
    page.fill("#sr-body", "**Welcome**, {{ customer.first_name }}! I am {{ agent.first_name }}.")
    preview = page.locator("#sr-preview")
    expect(preview.locator("strong")).to_have_text("Welcome")
    expect(preview).to_contain_text("Welcome, Jane! I am Ann.")
    page.fill("#sr-body", "{{ ''.__class__ }}")
    expect(preview).to_contain_text("not allowed: '__class__'")
    page.fill("#sr-body", "Welcome, {{ customer.first_name | default('there') }}.")
    page.click("#sr-form button[type=submit]")
    expect(page.locator(".flash-success")).to_contain_text("Welcome")
    expect(page.locator(".sr-folders")).to_contain_text("Greetings")
    expect(page.locator(".sr-table")).to_contain_text("Welcome")
