"""The inbox in a real browser: log in, read the list, search, bulk close, live arrival."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from inbox.extensions import db
from inbox.models import Conversation

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from test_web_support import PASSWORD, make_conversation, make_mailbox, make_user  # noqa: E402


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True, "LIVE_POLL_MS": 400, "DISABLE_PLUGINS": "all"}


@pytest.fixture
def team(app):
    support = make_mailbox("Support")
    agent = make_user("Maya Patel", mailboxes=[support], email="maya@team.test")
    convs = [
        make_conversation(support, subject, text=text, customer_name=name, minutes_ago=i * 7)
        for i, (subject, text, name) in enumerate(
            [
                ("Refund for duplicate charge", "I was charged twice for the annual plan.", "Olivia Martin"),
                ("Export to CSV is missing dates", "The date column is empty before March.", "Liam Nguyen"),
                ("Dark mode please", "My eyes would thank you at 2am.", "Emma Schmidt"),
            ]
        )
    ]
    return {"agent": agent, "mailbox": support, "convs": convs}


def test_login_list_search_and_bulk_close(page: Page, live_server, log_in, team, app):
    log_in(page, "maya@team.test", PASSWORD)
    expect(page).to_have_title("Unassigned · Inbox")
    rows = page.locator(".conv-row")
    expect(rows).to_have_count(3)
    expect(rows.first).to_contain_text("Olivia Martin")
    expect(rows.first).to_contain_text("Refund for duplicate charge")
    expect(page.locator('[data-count="all:unassigned"]')).to_have_text("3")

    # search from the top bar, result highlighted
    page.get_by_label("Search conversations").fill("charged")
    page.keyboard.press("Enter")
    expect(page.locator(".hit")).to_have_count(1)
    expect(page.locator(".hit mark")).to_have_text("charged")
    expect(page.locator(".hit")).to_contain_text("Refund for duplicate charge")

    # bulk close two conversations
    page.goto(live_server + "/inbox")
    page.get_by_label("Select #1 Refund for duplicate charge").check()
    page.get_by_label("Select #3 Dark mode please").check()
    expect(page.locator(".bulk-count")).to_have_text("2 selected")
    page.get_by_role("button", name="Close", exact=True).click()
    expect(page.locator(".flash")).to_contain_text("Closed 2 conversations.")
    expect(page.locator(".conv-row")).to_have_count(1)
    expect(page.locator('[data-count="all:unassigned"]')).to_have_text("1")
    db.session.expire_all()
    statuses = {c.number: c.status for c in db.session.execute(db.select(Conversation)).scalars()}
    assert statuses == {1: "closed", 2: "active", 3: "closed"}


def test_new_mail_appears_without_reload(page: Page, live_server, log_in, team):
    log_in(page, "maya@team.test", PASSWORD)
    expect(page.locator(".conv-row")).to_have_count(3)
    page.evaluate("window.__marker = 'same page'")
    make_conversation(team["mailbox"], "Brand new: site is down", text="Nothing loads", customer_name="Noah Rossi")
    expect(page.locator(".conv-row").first).to_contain_text("Brand new: site is down", timeout=10_000)
    expect(page.locator('[data-count="all:unassigned"]')).to_have_text("4")
    # closed by a colleague: the row leaves without a reload
    conv = team["convs"][1]
    db.session.get(Conversation, conv.id).status = "closed"
    db.session.commit()
    expect(page.locator(f'.conv-row[data-id="{conv.id}"]')).to_have_count(0, timeout=10_000)
    expect(page.locator('[data-count="all:unassigned"]')).to_have_text("3")
    assert page.evaluate("window.__marker") == "same page"  # no reload happened


def test_keyboard_help_and_phone_layout(page: Page, live_server, log_in, team):
    log_in(page, "maya@team.test", PASSWORD)
    page.keyboard.press("?")
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_visible()
    expect(page.locator("#shortcut-list")).to_contain_text("Close selected")
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_hidden()
    page.keyboard.press("j")
    expect(page.locator(".conv-row.is-focused")).to_have_count(1)
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    expect(page.locator(".folders")).to_be_hidden()
    page.locator(".folders-toggle > summary").click()
    expect(page.locator(".folders")).to_be_visible()
    expect(page.locator(".conv-row").first).to_be_visible()
