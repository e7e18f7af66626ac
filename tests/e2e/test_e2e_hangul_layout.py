"""Korean on screen: words wrap between words (keep-all), long URLs still break, Hangul comes from
a system font, and the conversation page never scrolls sideways at 1280 and 375 pixels.
Screenshots go to INBOX_SHOTS_DIR (default: the test's tmp dir) to be looked at."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from playwright.sync_api import Page

from inbox.extensions import db
from inbox.models import Tag

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from conversation_helpers import add_customer_message, make_conversation, make_mailbox, make_user  # noqa: E402

PASSWORD = "correct horse battery"
URL = "https://shop.example.com/order/tracking?id=" + "A1B2C3D4E5" * 12
BODY = (
    "안녕하세요. 지난주 월요일에 주문한 겨울용 패딩 점퍼가 아직 도착하지 않았습니다. 배송 조회를 해 보니 "
    "'배송 준비 중'에서 일주일째 바뀌지 않고 있어요. 다음 주 금요일까지 꼭 받아야 하는데 언제쯤 받을 수 "
    "있을까요? 혹시 품절이라면 환불을 원합니다.\n\n배송 조회 링크: " + URL + "\n\n"
    "추가로, 주소가 바뀌었습니다: 서울특별시강남구테헤란로152강남파이낸스센터12층고객지원팀앞"
)


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


@pytest.fixture
def world(app):
    mailbox = make_mailbox("고객지원", "support@shop.test")
    agent = make_user("김민지", mailboxes=[mailbox], email="minji@team.test")
    agent.locale, agent.timezone = "ko", "Asia/Seoul"
    conv = make_conversation(
        mailbox,
        subject="주문하신 겨울용 패딩 점퍼의 배송이 일주일째 '배송 준비 중' 상태에서 "
        "바뀌지 않고 있습니다 — 환불 또는 교환 요청",
        customer_name="이서준 (서울특별시 강남구 테헤란로 고객님)",
        text=BODY,
    )
    add_customer_message(conv, text="답변 기다리겠습니다. 감사합니다!")
    for name in ("배송지연", "환불요청", "VIP고객"):
        conv.tags.append(Tag(name=name))
    db.session.commit()
    return {"conv": conv}


def shots_dir(tmp_path) -> Path:
    out = Path(os.environ.get("INBOX_SHOTS_DIR") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    return out


@pytest.mark.parametrize("width,height", [(1280, 900), (375, 812)])
def test_conversation_page_in_korean_has_no_sideways_overflow(page: Page, live_server, world, tmp_path, width, height):
    page.set_viewport_size({"width": width, "height": height})
    page.goto(live_server + "/login")
    page.fill("input[name=email]", "minji@team.test")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    page.goto(f"{live_server}/conversations/{world['conv'].number}")
    page.wait_for_load_state("networkidle")

    assert page.evaluate("document.documentElement.lang") == "ko"
    title = page.locator(".cv-title")
    style = title.evaluate("e => { const s = getComputedStyle(e); return [s.wordBreak, s.overflowWrap]; }")
    assert style == ["keep-all", "anywhere"]
    # no web font: whatever renders Hangul is a locally installed face (no @font-face, no font request)
    assert page.evaluate("[...document.fonts].length") == 0
    # the viewport is the page's width: nothing (subject, URL, unbroken address, tags) pushes it wider
    widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1], widths
    wide = page.evaluate("""() => [...document.querySelectorAll('main *')]
        .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
        .map(e => e.tagName + '.' + e.className).slice(0, 5)""")
    assert wide == []
    # keep-all: a two-word subject line break happens at a space, never inside 배송이
    lines = title.evaluate("""e => { const r = document.createRange(), t = e.firstChild, out = [];
        let top = null, start = 0;
        for (let i = 0; i < t.length; i++) { r.setStart(t, i); r.setEnd(t, i + 1);
          const y = Math.round(r.getBoundingClientRect().top);
          if (top !== null && y > top + 2) { out.push(t.data.slice(start, i)); start = i; } top = y; }
        out.push(t.data.slice(start)); return out; }""")
    assert all(line.endswith(" ") or line.endswith("—") or line is lines[-1] for line in lines), lines
    page.screenshot(path=str(shots_dir(tmp_path) / f"i18n-ui-conversation-ko-{width}.png"), full_page=True)


@pytest.mark.parametrize("width,height", [(1280, 900), (375, 812)])
def test_plugin_pages_in_korean_fit_the_screen(page: Page, live_server, world, tmp_path, width, height):
    from inbox.models import User
    from inbox_plugins.kb import articles
    from inbox_plugins.saved_replies import service
    from inbox_plugins.saved_replies.service import ReplyData

    admin = make_user("관리자 박지훈", role="admin", email="admin@team.test")
    admin.locale = "ko"
    agent = db.session.execute(db.select(User).where(User.email == "minji@team.test")).scalar_one()
    service.create(
        agent,
        ReplyData(
            title="배송 지연 안내",
            folder="배송",
            body="{{ customer.first_name }}님, 주문하신 상품은 내일 출고됩니다. " + URL,
        ),
    )
    articles.save(
        None,
        title="배송 조회 방법",
        body="마이페이지에서 배송 상태를 확인할 수 있습니다. " + URL,
        category="배송",
        tags=["배송"],
        status="published",
    )
    db.session.commit()
    page.set_extra_http_headers({"Accept-Language": "ko-KR,ko;q=0.9"})  # a Korean browser, for the portal
    page.set_viewport_size({"width": width, "height": height})
    page.goto(live_server + "/login")
    page.fill("input[name=email]", "admin@team.test")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    mailbox_id = world["conv"].mailbox_id
    for name, path in (
        ("saved-replies", "/saved-replies/"),
        ("autoresponder", f"/admin/autoresponder/{mailbox_id}"),
        ("kb-admin", "/kb/"),
        ("kb-portal", "/portal/kb/?q=배송"),
    ):
        page.goto(live_server + path, wait_until="networkidle")
        widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert widths[0] <= widths[1], (path, widths)
        assert page.evaluate("document.documentElement.lang") == "ko"
        page.screenshot(path=str(shots_dir(tmp_path) / f"i18n-ui-{name}-ko-{width}.png"), full_page=True)
