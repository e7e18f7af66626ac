"""The main pages in Korean in a real browser, at desktop and phone widths: every page says
lang="ko", shows Korean words for the product's own text, keeps customer content as written, and
shows times in the viewer's zone. Screenshots go to INBOX_SCREENSHOTS or the test's tmp folder."""

from __future__ import annotations

import email as email_lib
import os
import re
import sys
from email import policy
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from inbox import conversations as convs
from inbox.extensions import db
from inbox.i18n.selection import LOCALE_SETTING, TIMEZONE_SETTING
from inbox.mail.outbound import outbox
from inbox.models import set_setting

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from test_web_support import PASSWORD, make_conversation, make_mailbox, make_user  # noqa: E402

WIDTHS = (1280, 375)


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True, "DISABLE_PLUGINS": "all", "UNDO_SEND_SECONDS": 0}


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "ko-KR", "timezone_id": "Asia/Seoul"}


@pytest.fixture
def shots(tmp_path):
    folder = os.environ.get("INBOX_SCREENSHOTS") or str(tmp_path)
    os.makedirs(folder, exist_ok=True)
    return folder


@pytest.fixture
def desk(app, live_server):
    # an SMTP server is configured (nothing is sent: the test reads the outbox), so system mail can be queued
    box = make_mailbox("고객지원", email="help@shop.test", smtp_host="127.0.0.1", smtp_port=1, smtp_security="none")
    admin = make_user("김민지", role="admin", mailboxes=[box], email="minji@shop.test")
    admin.locale, admin.timezone = "ko", "Asia/Seoul"
    set_setting(LOCALE_SETTING, "ko")
    set_setting(TIMEZONE_SETTING, "Asia/Seoul")
    rows = [
        ("배송이 늦어요", "주문한 지 일주일이 지났는데 아직 배송이 안 됐어요. 언제 받을 수 있나요?", "박서준", 3),
        ("환불 요청드립니다", "사이즈가 맞지 않아 환불을 요청합니다. 반품 주소를 알려 주세요.", "이하은", 45),
        ("쿠폰이 적용되지 않습니다", "결제 화면에서 WELCOME10 쿠폰이 적용되지 않아요.", "최도윤", 60 * 26),
    ]
    made = [
        make_conversation(
            box, subject, text=text, customer_name=name, minutes_ago=ago, customer_email=f"customer{i}@mail.test"
        )
        for i, (subject, text, name, ago) in enumerate(rows)
    ]
    first = made[0]
    convs.assign(first, admin, by=admin)
    convs.add_tag(first, "배송", by=admin)
    convs.add_note(first, admin, "택배사에 확인 요청함. 내일 다시 확인.")
    outbox.queue_reply(first, admin, "안녕하세요, 박서준 고객님. 확인해 보니 내일 도착 예정입니다.")
    convs.set_status(made[1], "pending", by=admin)
    db.session.commit()
    return {"url": live_server, "admin": admin, "box": box, "convs": made}


def _log_in(page: Page, url: str, email: str) -> None:
    page.goto(url + "/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda u: "/login" not in u)


def _korean_page(page: Page) -> None:
    assert page.locator("html").get_attribute("lang") == "ko"


def _no_sideways_scroll(page: Page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width, "no sideways scrolling"


def test_agent_pages_in_korean(page: Page, desk, shots):
    url, conv = desk["url"], desk["convs"][0]
    _log_in(page, url, "minji@shop.test")
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(url + "/inbox?folder=all")
        _korean_page(page)
        expect(page.locator(".conv-row")).to_have_count(3)
        expect(page.locator(".conv-row").first).to_contain_text("배송이 늦어요")  # customer content as written
        expect(page.get_by_role("link", name="새 대화")).to_be_visible()
        page.screenshot(path=os.path.join(shots, f"ko-inbox-{width}.png"), full_page=True)
        _no_sideways_scroll(page, width)

        page.goto(url + f"/conversations/{conv.number}")
        _korean_page(page)
        expect(page.locator(".event-text").first).to_contain_text("님이")
        expect(page.locator(".item-note")).to_contain_text("택배사에 확인 요청함")
        # the tooltip of every time names the viewer's zone
        assert "(Asia/Seoul)" in page.locator("time[data-relative]").first.get_attribute("title")
        page.screenshot(path=os.path.join(shots, f"ko-conversation-{width}.png"), full_page=True)
        _no_sideways_scroll(page, width)

        page.goto(url + "/admin/settings")
        _korean_page(page)
        expect(page.get_by_role("heading", name="언어 및 시간대")).to_be_visible()
        expect(page.locator("#default_timezone")).to_have_value("Asia/Seoul")
        page.screenshot(path=os.path.join(shots, f"ko-admin-settings-{width}.png"), full_page=True)
        _no_sideways_scroll(page, width)


def test_portal_in_korean_from_the_browser_language(page: Page, desk, shots):
    from inbox.models import Customer

    url, conv = desk["url"], desk["convs"][0]
    customer = db.session.get(Customer, conv.customer_id)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(url + "/portal/")
        _korean_page(page)
        expect(page.get_by_role("button", name="로그인 링크 받기")).to_be_visible()
        if width == WIDTHS[0]:
            page.screenshot(path=os.path.join(shots, f"ko-portal-sign-in-{width}.png"), full_page=True)
    # the sign-in link arrives in Korean (read from the outbox; the worker is not running)
    page.goto(url + "/portal/")
    page.fill("input[name=email]", customer.email)
    page.click("form[action$='/portal/sign-in'] button[type=submit]")
    expect(page.get_by_role("heading", name="메일을 확인하세요")).to_be_visible()
    link = _sign_in_link(customer.email)
    page.goto(url + urlsplit(link).path)  # the link is built on BASE_URL; this server listens elsewhere
    page.get_by_role("button", name="로그인").click()
    expect(page.get_by_role("heading", name="내 문의")).to_be_visible()
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(url + "/portal/requests")
        _korean_page(page)
        page.screenshot(path=os.path.join(shots, f"ko-portal-requests-{width}.png"), full_page=True)
        _no_sideways_scroll(page, width)
        page.get_by_role("link", name=re.compile("배송이 늦어요")).click()
        expect(page.locator(".message-body").first).to_contain_text("배송이 안 됐어요")
        expect(page.locator(".status")).to_have_text("처리 중")
        page.screenshot(path=os.path.join(shots, f"ko-portal-request-{width}.png"), full_page=True)
        _no_sideways_scroll(page, width)
    # the other shipped theme, same words
    set_setting("portal.theme", "harbor")
    db.session.commit()
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(url + "/portal/requests")
        _korean_page(page)
        expect(page.get_by_role("heading", name="문의 내역")).to_be_visible()
        page.screenshot(path=os.path.join(shots, f"ko-portal-harbor-requests-{width}.png"), full_page=True)
        _no_sideways_scroll(page, width)
    # the language switch: English for this visitor, remembered for their mail
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    db.session.expire_all()
    assert db.session.get(Customer, customer.id).locale == "en"


def _sign_in_link(email: str) -> str:
    from inbox.models import OutboxMessage

    db.session.expire_all()
    row = db.session.execute(db.select(OutboxMessage).order_by(OutboxMessage.id.desc())).scalars().first()
    message = email_lib.message_from_bytes(row.mime, policy=policy.default)
    assert str(message["Subject"]) == "로그인 링크" and message["To"] == email
    body = message.get_body(preferencelist=("plain",)).get_content()
    return re.search(r"(http://\S+/portal/sign-in/\S+)", body).group(1)
