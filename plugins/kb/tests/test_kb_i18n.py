"""The knowledge base in Korean: portal pages (theme sandbox) and the admin list use the kb catalogue."""

from __future__ import annotations

from flask_babel import refresh

from inbox.extensions import db
from inbox.models import User
from inbox.testing.helpers import login
from inbox_plugins.kb import articles


def test_portal_pages_in_korean_and_english(app, client):
    articles.save(
        None,
        title="배송 조회 방법",
        body="배송은 보통 2~3일 걸립니다.",
        category="배송",
        tags=["배송"],
        status="published",
    )
    db.session.commit()
    ko = client.get("/portal/kb/", headers={"Accept-Language": "ko"}).get_data(as_text=True)
    assert "<h1>도움말</h1>" in ko and "최근 업데이트" in ko and 'placeholder="도움말 검색"' in ko
    assert "Help articles" not in ko and "Recently updated" not in ko
    found = client.get("/portal/kb/?q=배송", headers={"Accept-Language": "ko"}).get_data(as_text=True)
    assert "“배송” 검색 결과" in found and "배송 조회 방법" in found
    none = client.get("/portal/kb/?q=환불", headers={"Accept-Language": "ko"}).get_data(as_text=True)
    assert "맞는 도움말 문서가 없습니다." in none and ">직접 문의하기</a>" in none
    refresh()  # the test's app context (and so flask-babel's per-context locale) spans the requests
    en = client.get("/portal/kb/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "<h1>Help articles</h1>" in en and "Recently updated" in en


def test_admin_list_and_flash_in_korean(app, client):
    admin = User(email="admin@kb.test", name="관리자", role="admin", locale="ko")
    db.session.add(admin)
    db.session.commit()
    login(client, admin)
    html = client.get("/kb/").get_data(as_text=True)
    assert "<h1>도움말</h1>" in html and "아직 도움말 문서가 없습니다." in html and ">새 도움말 문서</a>" in html
    app.config["WTF_CSRF_ENABLED"] = False
    saved = client.post(
        "/kb/new", data={"title": "환불 안내", "body": "본문", "status": "draft"}, follow_redirects=True
    )
    assert "“환불 안내”을(를) 저장했습니다." in saved.get_data(as_text=True)
