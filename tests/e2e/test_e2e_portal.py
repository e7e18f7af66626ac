"""The customer portal in a real browser: the emailed sign-in link, a reply, and both shipped
themes (screenshots are written to INBOX_SCREENSHOTS or the test's tmp folder)."""

from __future__ import annotations

import os
import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from inbox.extensions import db
from inbox.mail.outbound import outbox
from inbox.models import ThreadItem, set_setting
from inbox.testing.helpers import mail_in
from inbox.testing.live import serve


@pytest.fixture
def shots(tmp_path):
    folder = os.environ.get("INBOX_SCREENSHOTS") or str(tmp_path)
    os.makedirs(folder, exist_ok=True)
    return folder


@pytest.fixture
def portal(app, mailbox):
    conv = mail_in(
        mailbox,
        "ann@customer.test",
        "My order #1042 arrived damaged",
        "Hello,\n\nthe blue teapot arrived with a cracked lid. Can you send a new one?\n\nAnn",
        name="Ann Lee",
    )
    set_setting(
        "portal.branding",
        {"name": "Acme Help Center", "brand_color": "#0f766e", "footer_text": "Acme Ltd · Mon–Fri 9–17"},
    )
    db.session.commit()
    with serve(app) as url:
        yield url, conv


def _sign_in(page, url, app, smtp_sink):
    page.goto(url + "/portal/")
    page.get_by_label("Email address").fill("ann@customer.test")
    page.get_by_role("button", name="Email me a sign-in link").click()
    expect(page.get_by_role("heading", name="Check your mail")).to_be_visible()
    outbox.send_due(app)
    body = smtp_sink.parsed()[-1].get_body(preferencelist=("plain",)).get_content()
    link = re.search(r"(https?://\S+/portal/sign-in/\S+)", body).group(1)
    # the link is built on the configured BASE_URL (never on the request's Host); the test server
    # listens elsewhere, so follow its path here
    assert link.startswith(app.config["BASE_URL"] + "/portal/sign-in/")
    page.goto(url + urlsplit(link).path)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name=re.compile("requests|conversations", re.I))).to_be_visible()


def test_sign_in_by_link_and_reply(page, portal, app, smtp_sink, shots):
    url, conv = portal
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    _sign_in(page, url, app, smtp_sink)
    page.get_by_role("link", name=re.compile("arrived damaged")).click()
    expect(page.locator(".message-body").first).to_contain_text("cracked lid")
    page.get_by_label("Reply").fill("Here is a photo of the lid.")
    page.get_by_role("button", name="Send reply").click()
    expect(page.locator(".message-body").last).to_contain_text("photo of the lid")
    items = db.session.execute(db.select(ThreadItem).where(ThreadItem.conversation_id == conv.id)).scalars().all()
    assert [i.type for i in items] == ["customer", "customer"] and items[-1].source == "portal"
    page.screenshot(path=os.path.join(shots, "portal-request.png"), full_page=True)
    assert errors == []


@pytest.mark.parametrize("theme", ["default", "harbor"])
def test_each_shipped_theme_renders(page, portal, app, smtp_sink, shots, theme):
    url, conv = portal
    set_setting("portal.theme", theme)
    db.session.commit()
    page.set_viewport_size({"width": 1200, "height": 800})
    page.goto(url + "/portal/")
    expect(page.get_by_text("Acme Help Center").first).to_be_visible()
    page.screenshot(path=os.path.join(shots, f"portal-{theme}-sign-in.png"))
    _sign_in(page, url, app, smtp_sink)
    # the brand colour reaches the primary button in every theme
    color = page.locator(".btn-primary").first.evaluate("el => getComputedStyle(el).backgroundColor")
    assert color == "rgb(15, 118, 110)"
    hero = page.locator(".harbor-hero")
    expect(hero).to_have_count(1 if theme == "harbor" else 0)
    page.screenshot(path=os.path.join(shots, f"portal-{theme}-requests.png"))
    page.set_viewport_size({"width": 390, "height": 800})
    page.screenshot(path=os.path.join(shots, f"portal-{theme}-phone.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "no sideways scrolling on a phone"
