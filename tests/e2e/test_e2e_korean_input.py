"""Typing Korean: Enter that commits an input method's composition is not an action.

Chromium's own IME path is driven over CDP (Input.imeSetComposition, then the Enter a Korean IME
sends while composing - keyCode 229, isComposing - then Input.insertText committing the syllables),
exactly what a Korean keyboard produces. On every input that acts on Enter (tag entry, global
search, saved-reply picker, the reply editor's Ctrl+Enter) that Enter must do nothing and the text
must be intact; the next, ordinary Enter does the action exactly once.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from inbox.extensions import db
from inbox.models import Conversation, ThreadItem
from inbox_plugins.saved_replies import service
from inbox_plugins.saved_replies.service import ReplyData

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from conversation_helpers import make_conversation, make_mailbox, make_user  # noqa: E402

PASSWORD = "correct horse battery"
CTRL = 2  # CDP modifier bit


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True, "UNDO_SEND_SECONDS": 30}


@pytest.fixture
def world(app):
    mailbox = make_mailbox("고객지원", "support@shop.test")
    agent = make_user("김민지", mailboxes=[mailbox], email="minji@team.test")
    conv = make_conversation(mailbox, subject="배송 문의", customer_name="이서준", text="배송이 늦어요")
    service.create(agent, ReplyData(title="인사", body="안녕하세요, 고객님."))
    service.create(agent, ReplyData(title="Refund", body="Refunds take 5 days."))
    db.session.commit()
    return {"conv": conv, "agent": agent}


def compose(page: Page, text: str, modifiers: int = 0) -> None:
    """Type text syllable by syllable through the IME and press Enter while it is still composing."""
    cdp = page.context.new_cdp_session(page)
    shown = ""
    for ch in text:  # each syllable grows from its first jamo, as a 2-beolsik keyboard shows it
        cdp.send(
            "Input.imeSetComposition",
            {"text": shown + ch, "selectionStart": len(shown) + 1, "selectionEnd": len(shown) + 1},
        )
        shown += ch
    cdp.send(
        "Input.dispatchKeyEvent",
        {
            "type": "rawKeyDown",
            "key": "Enter",
            "code": "Enter",
            "windowsVirtualKeyCode": 229,
            "nativeVirtualKeyCode": 229,
            "modifiers": modifiers,
        },
    )
    cdp.send("Input.insertText", {"text": text})  # the IME commits the composition
    cdp.send(
        "Input.dispatchKeyEvent",
        {"type": "keyUp", "key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13, "modifiers": modifiers},
    )
    cdp.detach()


def login(page: Page, base: str) -> None:
    page.goto(base + "/login")
    page.fill("input[name=email]", "minji@team.test")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def posts(page: Page, fragment: str) -> list:
    seen = []
    page.on("request", lambda r: seen.append(r.url) if r.method == "POST" and fragment in r.url else None)
    return seen


def test_enter_while_composing_korean_does_nothing_then_one_action(page: Page, live_server, world):
    page.set_default_timeout(10_000)
    conv = world["conv"]
    login(page, live_server)
    page.goto(f"{live_server}/conversations/{conv.number}")

    # tag entry: the composing Enter adds nothing; the next Enter adds the tag once
    tag_posts = posts(page, "/tags")
    page.focus("#tag-new")
    compose(page, "배송지연")
    page.wait_for_timeout(400)
    assert tag_posts == []
    expect(page.locator("#tag-new")).to_have_value("배송지연")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert len(tag_posts) == 1
    db.session.expire_all()
    assert [t.name for t in db.session.get(Conversation, conv.id).tags] == ["배송지연"]

    # global search: no search on the composing Enter, one on the next
    page.focus("#global-search")
    compose(page, "배송")
    page.wait_for_timeout(400)
    assert "/search" not in page.url
    expect(page.locator("#global-search")).to_have_value("배송")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/search" in page.url and "%EB%B0%B0%EC%86%A1" in page.url  # q=배송, not cut to 배

    # saved-reply picker: the composing Enter neither inserts nor loses the last syllable
    page.goto(f"{live_server}/conversations/{conv.number}")
    editor = page.locator("#reply-text")
    editor.click()
    page.locator("#reply-form [data-plugin='saved_replies']").click()
    picker = page.locator("[data-editor-popover] [data-sr-picker]")
    search = picker.locator("[data-sr-search]")
    expect(search).to_be_focused()
    compose(page, "인사")
    expect(search).to_have_value("인사")
    expect(picker.locator(".sr-insert")).to_have_count(1)  # the search ran on the whole word
    page.wait_for_timeout(300)
    expect(editor).to_have_value("")
    page.keyboard.press("Enter")
    expect(editor).to_have_value("안녕하세요, 고객님.")

    # reply editor: Ctrl+Enter while composing does not send; the next Ctrl+Enter sends once
    reply_posts = posts(page, "/reply")
    editor.evaluate("ta => { ta.focus(); ta.setSelectionRange(ta.value.length, ta.value.length); }")
    page.keyboard.press("Enter")  # a new line (no IME): Enter alone never sends
    compose(page, "감사합니다", modifiers=CTRL)
    page.wait_for_timeout(400)
    assert reply_posts == []
    expect(editor).to_have_value("안녕하세요, 고객님.\n감사합니다")
    with page.expect_navigation():
        page.keyboard.press("Control+Enter")
    assert len(reply_posts) == 1
    db.session.expire_all()
    replies = (
        db.session.execute(
            db.select(ThreadItem).where(ThreadItem.conversation_id == conv.id, ThreadItem.type == "reply")
        )
        .scalars()
        .all()
    )
    assert len(replies) == 1 and replies[0].text.replace("\r\n", "\n").strip() == "안녕하세요, 고객님.\n감사합니다"
