"""Knowledge base: CRUD and permissions, sanitising, ranking, CJK search, suggestions, portal pages."""

from __future__ import annotations

import io
import zipfile

import pytest

from inbox.extensions import db
from inbox.models import User
from inbox.testing.helpers import login
from inbox_plugins.kb import articles, search, suggest
from inbox_plugins.kb.models import Article, SuggestionUse


def _login(client, role, email=None):
    user = User(email=email or f"{role}@kb.test", name=f"{role.title()} Person", role=role)
    db.session.add(user)
    db.session.commit()
    login(client, user)
    return user


def _publish(title, body, category="General", tags=()):
    a = articles.save(None, title=title, body=body, category=category, tags=list(tags), status="published")
    db.session.commit()
    return a


@pytest.fixture
def library(app):
    return {
        "refund": _publish(
            "How to request a refund",
            "Refunds are paid back to the original card within "
            "5 business days. Open your order and choose *Request refund*.",
            "Billing",
            ["refund"],
        ),
        "shipping": _publish(
            "Shipping times and costs",
            "We ship worldwide. Standard shipping takes 3-5 days; express shipping arrives the next day.",
            "Shipping",
            ["delivery"],
        ),
        "password": _publish(
            "Reset your password", "Use the forgot password link on the sign-in page.", "Account", ["login"]
        ),
        "ko_delivery": _publish(
            "배송 조회 방법",
            "주문하신 상품의 배송 상태는 마이페이지에서 확인할 수 있습니다. 배송은 보통 2~3일 걸립니다.",
            "배송",
            ["배송"],
        ),
        "ko_refund": _publish("환불 규정", "상품 수령 후 7일 이내에 환불을 신청하실 수 있습니다.", "결제", ["환불"]),
        "ja": _publish("配送について", "ご注文の商品は通常3日以内に配送されます。", "配送"),
        "draft": articles.save(None, title="Secret refund loophole", body="refund refund refund", status="draft"),
    }


def test_markdown_is_rendered_and_sanitised(app):
    html = articles.render(
        "# Hi\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1)) "
        '<img src=x onerror=alert(1)> <a href="https://ok.test" onclick="x()">ok</a>'
        '\n\n<style>body{display:none}</style><iframe src="https://evil.test"></iframe>'
    )
    assert "<h1>Hi</h1>" in html
    for bad in ("<script", "javascript:", "onerror", "onclick", "<style", "<iframe"):
        assert bad not in html
    assert 'href="https://ok.test"' in html


def test_crud_and_slugs(app):
    a = articles.save(None, title="Track my order!", body="Body", tags="Orders, tracking ", status="draft")
    b = articles.save(None, title="Track my order", body="Other")
    db.session.commit()
    assert a.slug == "track-my-order" and b.slug == "track-my-order-2"
    assert a.tags == ["orders", "tracking"]
    with pytest.raises(articles.ArticleError) as err:
        articles.save(None, title="", body="x", status="weird")
    assert set(err.value.errors) == {"title", "status"}
    articles.delete(a)
    db.session.commit()
    assert search.search("track", published_only=False)[0].article.id == b.id


def test_ranking_prefers_title_and_all_words(app, library):
    hits = search.search("refund")
    assert hits[0].article.id == library["refund"].id
    assert all(h.article.status == "published" for h in hits)  # the draft never shows
    assert search.search("express shipping")[0].article.id == library["shipping"].id
    assert search.search("shipped")[0].article.id == library["shipping"].id  # stemming
    assert search.search("refund password") == []  # a search box needs every word
    assert "<mark>" in str(search.search("worldwide")[0].snippet)


@pytest.mark.parametrize(
    "query,key",
    [("배송", "ko_delivery"), ("배송이 언제 오나요", "ko_delivery"), ("환불하고 싶어요", "ko_refund"), ("配送", "ja")],
)
def test_cjk_search(app, library, query, key):
    assert search.search(query, any_term=True)[0].article.id == library[key].id


def test_portable_backend_agrees_with_fts(app, library):
    for query in ("refund", "express shipping", "배송", "환불"):
        fts = [h.article.id for h in search.search(query, any_term=True)][:1]
        scan = [h.article.id for h in search.search(query, any_term=True, backend="scan")][:1]
        assert fts == scan, query


def test_hostile_queries_never_raise(app, library):
    for q in ['"', "AND OR NOT", "a*", "NEAR(", "col:x", "'; drop table kb_article; --", "^", "()", "ㄱ"]:
        search.search(q)
        search.search(q, any_term=True)
    assert db.session.execute(db.select(db.func.count()).select_from(Article)).scalar() == 7


def test_suggestions_for_a_customer_message(app, library):
    hits = suggest.for_text(
        "Where is my package?", "Hi, I ordered last week and wonder about shipping times. Thanks, Ann"
    )
    assert hits[0].article.id == library["shipping"].id
    ko = suggest.for_text("환불 문의", "지난주에 주문한 상품을 환불하고 싶습니다.")
    assert ko[0].article.id == library["ko_refund"].id


def test_admin_pages_and_permissions(app, client, library):
    agent_client = app.test_client()
    _login(agent_client, "agent")
    assert agent_client.get("/kb/").status_code == 404
    assert agent_client.post("/kb/new", data={"title": "x"}).status_code == 404
    assert app.test_client().get("/kb/").status_code in (302, 401)
    _login(client, "admin")
    assert "How to request a refund" in client.get("/kb/").get_data(as_text=True)
    created = client.post(
        "/kb/new",
        data={"title": "Gift cards", "body": "**Yes**", "category": "Billing", "tags": "gift", "status": "published"},
    )
    assert created.status_code == 302
    article = db.session.execute(db.select(Article).where(Article.slug == "gift-cards")).scalar_one()
    assert article.body_html == "<p><strong>Yes</strong></p>"
    bad = client.post(f"/kb/{article.id}", data={"title": "", "body": "x", "status": "published"})
    assert bad.status_code == 400 and "An article needs a title." in bad.get_data(as_text=True)
    preview = client.post("/kb/preview", data={"body": "<script>x</script>*hi*"}).get_json()
    assert preview["html"] == "<p><em>hi</em></p>" or "script" not in preview["html"]
    assert client.post(f"/kb/{article.id}/delete").status_code == 302
    assert db.session.get(Article, article.id) is None


def test_export_import_round_trip(app, client, library):
    _login(client, "admin")
    data = client.get("/kb/export").data
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert "how-to-request-a-refund.md" in names and len(names) == 7
    text = zipfile.ZipFile(io.BytesIO(data)).read("배송-조회-방법.md").decode()
    assert text.startswith("---\ntitle: 배송 조회 방법\n")
    db.session.execute(db.delete(SuggestionUse))
    for a in db.session.execute(db.select(Article)).scalars():
        articles.delete(a)
    db.session.commit()
    response = client.post(
        "/kb/import", data={"files": (io.BytesIO(data), "kb.zip")}, content_type="multipart/form-data"
    )
    assert response.status_code == 302
    restored = db.session.execute(db.select(Article).where(Article.slug == "how-to-request-a-refund")).scalar_one()
    assert restored.category == "Billing" and restored.tags == ["refund"] and restored.status == "published"
    assert search.search("환불")[0].article.slug == "환불-규정"


def test_cli_import_and_export(app, tmp_path, library):
    runner = app.test_cli_runner()
    out = runner.invoke(args=["kb", "export", str(tmp_path / "out")])
    assert out.exit_code == 0 and "7 articles written" in out.output
    (tmp_path / "new.md").write_text(
        "---\ntitle: Opening hours\nstatus: published\ncategory: Contact\n---\nWe answer Monday to Friday.\n",
        encoding="utf-8",
    )
    result = runner.invoke(args=["kb", "import", str(tmp_path / "new.md"), str(tmp_path / "out")])
    assert result.exit_code == 0 and "1 articles created, 7 updated" in result.output
    assert search.search("opening hours")[0].article.title == "Opening hours"


def test_public_pages_in_the_portal(app, client, library):
    index = client.get("/portal/kb/").get_data(as_text=True)
    assert "Billing" in index and "배송" in index and "Secret refund" not in index
    assert "Help articles" in index  # portal_nav_items
    page = client.get("/portal/kb/a/" + library["refund"].slug)
    assert page.status_code == 200 and "<em>Request refund</em>" in page.get_data(as_text=True)
    assert client.get("/portal/kb/a/" + library["draft"].slug).status_code == 404
    results = client.get("/portal/kb/?q=shipping").get_data(as_text=True)
    assert "Shipping times and costs" in results and "<mark>" in results
    assert client.get("/portal/kb/c/Billing").status_code == 200
    assert client.get("/portal/kb/c/Nope").status_code == 404
    client.post("/admin/themes/active", data={"theme": "harbor"})  # not an admin: ignored
    from inbox.models import set_setting

    set_setting("portal.theme", "harbor")
    db.session.commit()
    assert "harbor-hero" in client.get("/portal/kb/").get_data(as_text=True)  # themed like the portal


def test_sidebar_panel_and_recorded_insertions(app, client, library, mailbox):
    from inbox.testing.helpers import mail_in

    conv = mail_in(mailbox, "ann@customer.test", "Refund please", "How do I get a refund for my order?")
    _login(client, "admin")
    panel = client.get(f"/conversations/{conv.id}/panels/kb/suggestions")
    html = panel.get_data(as_text=True)
    assert panel.status_code == 200 and "How to request a refund" in html and "data-insert" in html
    assert html.index("How to request a refund") < html.index("</li>")
    used = client.post(f"/kb/used/{conv.id}", data={"article": library["refund"].id, "kind": "link", "rank": 1})
    assert used.status_code == 204
    row = db.session.execute(db.select(SuggestionUse)).scalar_one()
    assert (row.article_id, row.conversation_id, row.kind, row.rank) == (library["refund"].id, conv.id, "link", 1)
    other = app.test_client()
    _login(other, "agent", "outsider@kb.test")  # no access to this mailbox
    assert other.post(f"/kb/used/{conv.id}", data={"article": library["refund"].id}).status_code == 404


def test_suggestions_hook(app, library, mailbox):
    from inbox.plugin_host import host
    from inbox.testing.helpers import mail_in

    conv = mail_in(mailbox, "ann@customer.test", "Password", "I forgot my password and cannot sign in")
    results = host().call_flat("suggestions", conversation=conv, item=None, limit=3)
    assert results[0].title == "Reset your password" and results[0].key == str(library["password"].id)
