"""Search: the query language, FTS5 kept in sync by triggers, access limits, safe highlighting,
and the portable SQL backend giving the same answers."""

from __future__ import annotations

import pytest
from test_web_support import login, make_conversation, make_mailbox, make_user

from inbox import search as search_service
from inbox.extensions import db
from inbox.models import ThreadItem


def test_parse_query_language():
    q = search_service.parse(
        'refund "double charge" inv* from:anna@example.com to:support subject:"late order" '
        "tag:VIP status:closed assignee:me mailbox:Billing before:2024-05-31 after:2024-01-01"
    )
    assert q.terms == [
        (None, "refund", False),
        (None, "double charge", False),
        (None, "inv", True),
        ("sender", "anna@example.com", False),
        ("recipients", "support", False),
        ("subject", "late order", False),
    ]
    assert (q.tags, q.status, q.assignee, q.mailbox) == (["vip"], "closed", "me", "Billing")
    assert q.before.date().isoformat() == "2024-05-31" and q.after.date().isoformat() == "2024-01-02"
    assert search_service.parse("status:bogus before:yesterday").errors == [
        "status: is one of active, pending, closed, spam",
        "before: needs a date like 2024-05-31",
    ]
    # an unbalanced quote or stray colon never raises
    assert search_service.parse('"unbalanced why:').terms


@pytest.mark.parametrize(
    "raw",
    ["AND OR NOT", '"', "a*b", "NEAR(a b)", "col:val", "^start", "(x", "a - b", "\\", "'", "*", 'from:"', "🙂 emoji"],
)
def test_odd_input_never_raises(app, raw):
    admin = make_user("Ada Admin", role="admin")
    make_conversation(make_mailbox(), "Normal subject", text="AND OR NOT words (x) a-b")
    query, page = search_service.search(raw, admin)
    assert isinstance(page.hits, list)


def test_finds_words_phrases_prefixes_and_fields(app):
    box = make_mailbox("Support", email="support@acme.test")
    admin = make_user("Ada Admin", role="admin")
    a = make_conversation(
        box,
        "Refund for duplicate charge",
        text="I was charged twice for my annual plan.",
        customer_email="anna@example.com",
        customer_name="Anna Smith",
    )
    b = make_conversation(
        box,
        "Dark mode request",
        text="Please add a dark mode, my eyes hurt at night.",
        customer_email="bob@example.com",
    )

    def numbers(raw):
        return [h.conversation.number for h in search_service.search(raw, admin)[1].hits]

    assert numbers("charged") == [a.number]
    assert numbers("charging") == [a.number]  # stemmed: charge, charged, charging
    assert numbers('"dark mode"') == [b.number]
    assert numbers('"mode dark"') == []
    assert numbers("dupli*") == [a.number]
    assert numbers("from:anna@example.com") == [a.number]
    assert numbers("from:Anna") == [a.number]
    assert numbers("to:support@acme.test") == [b.number, a.number]
    assert numbers("subject:dark") == [b.number]
    assert numbers("subject:eyes") == []
    assert numbers("twice OR night") == [b.number, a.number]
    assert numbers("twice OR subject:dark annual") == [a.number]  # OR binds alternatives of AND-ed words
    assert numbers("OR OR") == [] and numbers("or") == []


def test_index_follows_inserts_updates_and_deletes(app):
    box = make_mailbox()
    admin = make_user("Ada Admin", role="admin")
    conv = make_conversation(box, "Printer", text="The printer is on fire")
    assert len(search_service.search("fire", admin)[1].hits) == 1
    # a note added later (another writer, no search code involved) is found through the trigger
    db.session.add(ThreadItem(conversation_id=conv.id, type="note", text="Called the fire brigade: extinguisher"))
    db.session.commit()
    assert [h.conversation.id for h in search_service.search("extinguisher", admin)[1].hits] == [conv.id]
    item = db.session.execute(
        db.select(ThreadItem).where(ThreadItem.conversation_id == conv.id, ThreadItem.type == "customer")
    ).scalar_one()
    item.text = "The printer is out of toner"
    db.session.commit()
    assert search_service.search("toner", admin)[1].hits
    assert [h.item_id for h in search_service.search("fire", admin)[1].hits] != [item.id]
    db.session.delete(item)
    db.session.commit()
    assert not search_service.search("toner", admin)[1].hits
    # events carry no text and are not indexed
    db.session.add(ThreadItem(conversation_id=conv.id, type="event", text="toner", event={"kind": "x"}))
    db.session.commit()
    assert not search_service.search("toner", admin)[1].hits


def test_filters_combine_with_words(app):
    support, billing = make_mailbox("Support"), make_mailbox("Billing")
    admin = make_user("Ada Admin", role="admin")
    sam = make_user("Sam Lee", mailboxes=[support, billing])
    a = make_conversation(support, "Invoice question", text="invoice", tags=["vip"], assignee=sam)
    b = make_conversation(billing, "Invoice wrong", text="invoice", status="closed")
    c = make_conversation(billing, "Invoice spam", text="invoice", status="spam")

    def numbers(raw, user=admin):
        return sorted(h.conversation.number for h in search_service.search(raw, user)[1].hits)

    assert numbers("invoice") == sorted([a.number, b.number])  # spam only when asked for
    assert numbers("invoice status:spam") == [c.number]
    assert numbers("invoice tag:vip") == [a.number]
    assert numbers("invoice mailbox:billing") == [b.number]
    assert numbers("invoice assignee:me", sam) == [a.number]
    assert numbers("invoice assignee:sam") == [a.number]
    assert numbers("invoice assignee:none") == [b.number]
    assert numbers("invoice before:2000-01-01") == []
    assert numbers("invoice after:2000-01-01") == sorted([a.number, b.number])
    assert numbers("status:closed") == [b.number]  # filters alone, no words


def test_agents_only_find_their_mailboxes(app, client):
    support, billing = make_mailbox("Support"), make_mailbox("Billing")
    agent = make_user("Ann Agent", mailboxes=[support])
    mine = make_conversation(support, "Secret word zebra")
    make_conversation(billing, "Other secret zebra")
    assert [h.conversation.id for h in search_service.search("zebra", agent)[1].hits] == [mine.id]
    login(client, agent)
    page = client.get("/search?q=zebra").get_data(as_text=True)
    assert f'href="/conversations/{mine.number}' in page and "Other secret" not in page


def test_results_highlight_matches_and_escape_mail_html(app, client):
    box = make_mailbox()
    admin = make_user("Ada Admin", role="admin")
    make_conversation(box, "Script <b>kiddie</b>", text='Hello <script>alert("x")</script> refund please <img src=x>')
    login(client, admin)
    page = client.get("/search?q=refund").get_data(as_text=True)
    assert "<mark>refund</mark>" in page
    assert "<script>alert" not in page and "&lt;script&gt;" in page and "<img src=x>" not in page
    assert "Script &lt;b&gt;kiddie&lt;/b&gt;" in page


def test_search_page_pages_with_htmx(app, client):
    box = make_mailbox()
    admin = make_user("Ada Admin", role="admin")
    for i in range(30):
        make_conversation(box, f"Lamp broken {i}", text="the lamp flickers")
    login(client, admin)
    first = client.get("/search?q=lamp").get_data(as_text=True)
    assert first.count('class="hit"') == 25 and "offset=25" in first
    rest = client.get("/search?q=lamp&offset=25", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert rest.count('class="hit"') == 5 and "<html" not in rest
    assert client.get("/search").status_code == 200
    assert b"No conversations found" in client.get("/search?q=unicorn").data


def test_sql_backend_agrees_with_fts(app):
    box = make_mailbox("Support", email="support@acme.test")
    admin = make_user("Ada Admin", role="admin")
    make_conversation(
        box, "Refund for duplicate charge", text="charged twice", customer_email="anna@example.com", tags=["billing"]
    )
    make_conversation(box, "Dark mode", text="dark mode please", customer_email="bob@example.com")
    fts, sql = search_service.SqliteFtsSearch(), search_service.SqlSearch()
    for raw in [
        "charged",
        "twice OR night",
        '"dark mode"',
        "from:anna@example.com",
        "subject:dark",
        "tag:billing",
        "refund tag:billing",
    ]:
        q = search_service.parse(raw)
        assert [h.conversation.id for h in fts.search(q, admin).hits] == [
            h.conversation.id for h in sql.search(q, admin).hits
        ], raw
    hit = sql.search(search_service.parse("twice"), admin).hits[0]
    assert "<mark>twice</mark>" in str(hit.snippet)


def test_backend_is_chosen_by_dialect(app):
    assert isinstance(search_service.backend(), search_service.SqliteFtsSearch)


def test_korean_words_with_particles_attached(app):
    """ "배송" finds "배송이 늦어요": Korean glues particles to the word, so CJK words match as prefixes
    (inbox.cjk), on FTS5 here and on PostgreSQL's tsvector (tests/test_postgres.py runs this too)."""
    box = make_mailbox("고객지원", email="help@shop.test")
    admin = make_user("관리자", role="admin")
    late = make_conversation(
        box,
        "배송 문의",
        text="배송이 늦어요. 주문번호는 1234입니다.",
        customer_email="minji@example.com",
        customer_name="김민지",
    )
    broken = make_conversation(
        box,
        "환불 요청",
        text="제품이 파손되었어요. 환불을 원합니다.",
        customer_email="seojun@example.com",
        customer_name="이서준",
    )
    english = make_conversation(box, "Late parcel", text="My parcel is late.", customer_email="ann@example.com")

    def numbers(raw, backend=None):
        if backend is None:
            return [h.conversation.number for h in search_service.search(raw, admin)[1].hits]
        return [h.conversation.number for h in backend.search(search_service.parse(raw), admin).hits]

    assert numbers("배송") == [late.number]  # 배송이, 배송 (subject)
    assert numbers("늦어") == [late.number]  # 늦어요
    assert numbers("주문") == [late.number]  # 주문번호는
    assert numbers("환불") == [broken.number]  # 환불을, 환불 (subject)
    assert numbers("파손") == [broken.number]  # 파손되었어요
    assert numbers("배송 늦어요") == [late.number]  # every word must match
    assert numbers("배송 환불") == []
    assert numbers("배송 OR 환불") == [broken.number, late.number]
    assert numbers("subject:환불") == [broken.number]
    assert numbers("from:김민지") == [late.number]
    assert numbers("late") == [english.number]  # Latin words are as before
    # the portable LIKE backend answers the same
    for raw in ["배송", "파손", "배송 OR 환불", "subject:환불"]:
        assert numbers(raw, search_service.SqlSearch()) == numbers(raw), raw
    snippet = str(search_service.search("배송", admin)[1].hits[0].snippet)
    assert "<mark>배송" in snippet and "늦어요" in snippet
