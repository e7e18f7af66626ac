"""The product on a real PostgreSQL: init-db, IMAP import from Dovecot, the outbox to an SMTP sink,
the agent UI, tsvector search, the portal, the KB plugin and mailbox isolation.

Each test gets its own database, cloned from one migrated template (inbox.testing.fixtures.pg_app).
The search and authorization suites written for SQLite are run here again, unchanged, on PostgreSQL.
"""

from __future__ import annotations

import email.utils
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage

import pytest
import test_web_authz
import test_web_search
from portal_helpers import link_from
from sqlalchemy import func, inspect, select, text
from test_web_support import make_conversation, make_mailbox, make_user

from inbox.extensions import db
from inbox.mail.outbound import outbox
from inbox.models import Conversation, Mailbox, RawMessage, ThreadItem, User
from inbox.testing.fixtures import make_mailbox as wired_mailbox
from inbox.testing.helpers import login, mail_in, portal_sign_in


def _mail(subject: str, body: str, frm: str, message_id: str, in_reply_to: str | None = None) -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = frm, "support@support.test", subject
    msg["Message-ID"] = f"<{message_id}>"
    msg["Date"] = email.utils.format_datetime(datetime.now(timezone.utc))
    if in_reply_to:
        msg["In-Reply-To"] = msg["References"] = f"<{in_reply_to}>"
    msg.set_content(body)
    return msg.as_bytes()


def _mailbox(dovecot, imap_account, smtp_sink) -> Mailbox:
    return wired_mailbox(dovecot, imap_account, smtp_sink)  # on the PostgreSQL app


def _sync(mailbox):
    from inbox.mail.inbound.sync import sync_mailbox

    stats, busy = sync_mailbox(mailbox)
    assert not busy
    return stats


def _counts() -> tuple[int, int, int]:
    db.session.expire_all()
    return tuple(
        db.session.execute(select(func.count()).select_from(model)).scalar()
        for model in (Conversation, ThreadItem, RawMessage)
    )


def _items(conv) -> list[ThreadItem]:
    return list(
        db.session.execute(
            select(ThreadItem).where(ThreadItem.conversation_id == conv.id).order_by(ThreadItem.id)
        ).scalars()
    )


def test_init_db_creates_everything_and_is_idempotent(pg_server, tmp_path):
    from inbox import create_app
    from inbox.migrations_setup import CORE_VERSIONS, _heads

    url = pg_server.new_database(prefix="initdb")
    app = create_app(
        {"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "s", "TESTING": True, "SQLALCHEMY_DATABASE_URI": url}
    )
    runner = app.test_cli_runner()
    for _ in range(2):
        result = runner.invoke(args=["init-db"])
        assert result.exit_code == 0, result.output
        assert "database ready: postgresql+psycopg://" in result.output
    with app.app_context():
        with db.engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            versions = {r for (r,) in conn.execute(text("SELECT version_num FROM alembic_version"))}
            columns = {c["name"] for c in inspect(conn).get_columns("thread_item")}
            indexes = {i["name"] for i in inspect(conn).get_indexes("thread_item")}
            broken = conn.execute(text("SELECT name, broken FROM plugin_state WHERE broken IS NOT NULL")).all()
        db.engine.dispose()
    assert {
        "conversation",
        "thread_item",
        "user",
        "kb_article",
        "saved_reply",
        "autoresponder_config",
        "woocommerce_cache",
    } <= tables
    assert "item_fts" not in tables and "kb_fts" not in tables  # FTS5 is SQLite only
    assert _heads([CORE_VERSIONS]) <= versions and {"kb_0001", "ar_0001", "sr_0001", "wc_0001"} <= versions
    assert "search_vector" in columns and "ix_thread_item_search" in indexes
    assert broken == []


def test_imap_fetch_threads_once_and_replies_through_the_outbox(pg_app, dovecot, imap_account, smtp_sink):
    mailbox = _mailbox(dovecot, imap_account, smtp_sink)
    user = imap_account[0]
    first = _mail("Parcel 1001 missing", "My parcel never arrived.", "Ann Lee <ann@customer.test>", "a1@customer.test")
    dovecot.append(user, first)
    dovecot.append(
        user,
        _mail(
            "Re: Parcel 1001 missing",
            "Still waiting, it is urgent.",
            "Ann Lee <ann@customer.test>",
            "a2@customer.test",
            in_reply_to="a1@customer.test",
        ),
    )
    dovecot.append(user, _mail("Invoice copy", "Please send my invoice again.", "bob@other.test", "b1@other.test"))
    stats = _sync(mailbox)
    assert _counts() == (2, 3, 3), stats
    parcel = db.session.execute(select(Conversation).where(Conversation.subject == "Parcel 1001 missing")).scalar_one()
    assert [i.text.strip() for i in _items(parcel)] == ["My parcel never arrived.", "Still waiting, it is urgent."]
    assert parcel.last_activity_at.tzinfo is not None  # aware UTC, as on SQLite

    # exactly once: nothing new, then the same message stored again under a new UID
    _sync(mailbox)
    dovecot.append(user, first)
    _sync(mailbox)
    assert _counts()[:2] == (2, 3)

    agent = make_user("Sam Agent", mailboxes=[db.session.get(Mailbox, mailbox.id)])
    reply = outbox.queue_reply(parcel, agent, "A replacement is on its way.")
    db.session.commit()
    assert outbox.send_due()["sent"] == 1
    (sent,) = smtp_sink.wait_for(1)
    message = smtp_sink.parsed()[0]
    assert message["To"].addresses[0].addr_spec == "ann@customer.test"
    assert "A replacement is on its way." in message.get_body(("plain",)).get_content()
    db.session.expire_all()
    assert db.session.get(ThreadItem, reply.id).send_status == "sent"

    # the customer answers our mail with a new subject: our Message-ID alone threads it
    dovecot.append(
        user,
        _mail("thanks", "Got it, thank you!", "ann@customer.test", "a3@customer.test", in_reply_to=reply.message_id),
    )
    _sync(mailbox)
    assert [i.type for i in _items(parcel)] == ["customer", "customer", "reply", "customer"]
    assert _counts()[0] == 2


def test_web_inbox_conversation_and_search(pg_app, dovecot, imap_account, smtp_sink):
    mailbox = _mailbox(dovecot, imap_account, smtp_sink)
    conv = mail_in(
        mailbox, "ann@customer.test", "Refund for order 1001", "I was charged twice, please refund me.", name="Ann Lee"
    )
    mail_in(mailbox, "bob@other.test", "Dark mode", "Please add a dark mode.", name="Bob")
    agent = make_user("Sam Agent", mailboxes=[mailbox])
    client = pg_app.test_client()
    login(client, agent)
    listing = client.get("/inbox").get_data(as_text=True)
    assert "Refund for order 1001" in listing and "Dark mode" in listing
    page = client.get(f"/conversations/{conv.number}")
    assert page.status_code == 200 and "I was charged twice" in page.get_data(as_text=True)
    found = client.get("/search?q=refunded").get_data(as_text=True)  # stemmed: refund, refunded
    assert "<mark>refund</mark>" in found and f"/conversations/{conv.number}" in found and "Dark mode" not in found
    by_sender = client.get("/search?q=from:ann").get_data(as_text=True)
    assert f"/conversations/{conv.number}" in by_sender and "Dark mode" not in by_sender
    assert f"/conversations/{conv.number}" in client.get("/search?q=from:ann@customer.test").get_data(as_text=True)
    assert b"No conversations found" in client.get("/search?q=unicorn").data


@pytest.mark.parametrize(
    "case",
    [
        "test_finds_words_phrases_prefixes_and_fields",
        "test_filters_combine_with_words",
        "test_index_follows_inserts_updates_and_deletes",
        "test_korean_words_with_particles_attached",
    ],
)
def test_search_suite_on_postgres(pg_app, case):
    from inbox import search as search_service
    from inbox.search_pg import PgFtsSearch

    assert isinstance(search_service.backend(), PgFtsSearch)
    getattr(test_web_search, case)(pg_app)


@pytest.mark.parametrize(
    "raw",
    [
        "AND OR NOT",
        '"',
        "a*b",
        "NEAR(a b)",
        "col:val",
        "^start",
        "(x",
        "a - b",
        "\\",
        "'",
        "*",
        'from:"',
        "🙂 emoji",
        "it's",
        "the",
        "'); DROP TABLE x; --",
        "a:* | !b",
        "o'brien <-> x",
    ],
)
def test_odd_search_input_on_postgres(pg_app, raw):
    test_web_search.test_odd_input_never_raises(pg_app, raw)


def test_search_highlights_pages_and_sql_fallback_agree(pg_app):
    from inbox import search as search_service
    from inbox.search_pg import PgFtsSearch

    client = pg_app.test_client()
    test_web_search.test_results_highlight_matches_and_escape_mail_html(pg_app, client)
    test_web_search.test_search_page_pages_with_htmx(pg_app, pg_app.test_client())
    admin = db.session.execute(select(User).where(User.role == "admin")).scalars().first()
    fts, sql = PgFtsSearch(), search_service.SqlSearch()
    for raw in ["lamp", "flickers", "refund", "lamp status:active"]:
        q = search_service.parse(raw)
        assert [h.conversation.id for h in fts.search(q, admin, limit=40).hits] == [
            h.conversation.id for h in sql.search(q, admin, limit=40).hits
        ], raw


def test_portal_sign_in_and_reply(pg_app, dovecot, imap_account, smtp_sink):
    mailbox = _mailbox(dovecot, imap_account, smtp_sink)
    conv = mail_in(mailbox, "ann@customer.test", "Where is my parcel?", "It has not arrived.", name="Ann Lee")
    client = pg_app.test_client()
    assert client.get("/portal/").status_code == 200
    asked = client.post("/portal/sign-in", data={"email": "Ann@Customer.test"})
    assert asked.status_code == 200 and b"Check your mail" in asked.data
    outbox.send_due(pg_app)
    (message,) = [m for m in smtp_sink.parsed() if m["To"] == "ann@customer.test"]
    path = link_from(message).split("localhost", 1)[1]
    signed_in = client.post(path)
    assert signed_in.status_code == 302 and signed_in.location.endswith("/portal/requests")
    assert b"Where is my parcel?" in client.get("/portal/requests").data
    assert pg_app.test_client().post(path).status_code == 410  # single use

    other = pg_app.test_client()
    portal_sign_in(other, conv.customer, "ann@customer.test")
    assert (
        other.post(f"/portal/requests/{conv.number}/reply", data={"body": "Still nothing, sorry!"}).status_code == 302
    )
    items = _items(conv)
    assert [(i.type, i.source) for i in items] == [("customer", "email"), ("customer", "portal")]
    assert "Still nothing, sorry!" in other.get(f"/portal/requests/{conv.number}").get_data(as_text=True)

    bob = mail_in(mailbox, "bob@other.test", "Bob's secret order", "Order 99", name="Bob")
    assert other.get(f"/portal/requests/{bob.number}").status_code == 404


def test_kb_search_in_the_portal(pg_app):
    from inbox_plugins.kb import articles, search

    def publish(title, body, category):
        a = articles.save(None, title=title, body=body, category=category, tags=[], status="published")
        db.session.commit()
        return a

    publish("Shipping times and costs", "Standard shipping takes 3-5 days; express arrives the next day.", "Shipping")
    publish("How to request a refund", "Refunds are paid back to the original card.", "Billing")
    publish("배송 조회 방법", "배송 상태는 마이페이지에서 확인할 수 있습니다.", "배송")
    articles.save(None, title="Secret shipping loophole", body="shipping shipping", status="draft")
    db.session.commit()
    client = pg_app.test_client()
    results = client.get("/portal/kb/?q=shipping").get_data(as_text=True)
    assert "Shipping times and costs" in results and "<mark>" in results and "loophole" not in results
    assert [h.article.title for h in search.search("배송이")] == ["배송 조회 방법"]
    assert [h.article.title for h in search.search("refund card")] == ["How to request a refund"]
    assert client.get("/portal/kb/c/Billing").status_code == 200


def test_another_mailbox_is_404(pg_app):
    mine, theirs = make_mailbox("Mine"), make_mailbox("Theirs")
    agent = make_user("Ivy Inside", mailboxes=[mine])
    visible = make_conversation(mine, "Zebra in my garden")
    hidden = make_conversation(theirs, "Zebra secret elsewhere")
    client = pg_app.test_client()
    login(client, agent)
    assert client.get(f"/conversations/{visible.number}").status_code == 200
    assert client.get(f"/conversations/{hidden.number}").status_code == 404
    assert client.post(f"/conversations/{hidden.number}/status", data={"status": "closed"}).status_code == 404
    found = client.get("/search?q=zebra").get_data(as_text=True)
    assert f"/conversations/{visible.number}" in found and "secret elsewhere" not in found
    assert client.get(f"/inbox?mailbox={theirs.id}").status_code == 404


def test_every_route_on_postgres(pg_app):
    """The whole authorization matrix (every route, four roles) runs without a server error here too."""
    granted, other = make_mailbox("Granted"), make_mailbox("Elsewhere")
    people = (
        make_user("Ada Admin", role="admin"),
        make_user("Ivy Inside", mailboxes=[granted]),
        make_user("Otto Outside", mailboxes=[other]),
    )
    test_web_authz.test_every_route_enforces_access(pg_app, people)


def test_datetimes_round_trip_as_aware_utc(pg_app):
    box = make_mailbox()
    conv = make_conversation(box, minutes_ago=90)
    naive_in_db = db.session.execute(
        text("SELECT last_activity_at FROM conversation WHERE id = :i"), {"i": conv.id}
    ).scalar()
    db.session.expire_all()
    loaded = db.session.get(Conversation, conv.id)
    assert naive_in_db.tzinfo is None and loaded.last_activity_at.tzinfo == timezone.utc
    age = datetime.now(timezone.utc) - loaded.last_activity_at
    assert timedelta(minutes=89) < age < timedelta(minutes=91)


def test_imap_numbers_beyond_32_bit_signed(pg_app, dovecot, imap_account, smtp_sink):
    """UIDVALIDITY and UIDs are unsigned 32-bit (RFC 3501): above 2**31 they overflow an INTEGER column."""
    import subprocess

    mailbox = _mailbox(dovecot, imap_account, smtp_sink)
    user = imap_account[0]
    dovecot.append(user, _mail("Before the renumbering", "one", "ann@customer.test", "big0@customer.test"))
    subprocess.run(
        [
            "doveadm",
            "-c",
            dovecot.conf,
            "mailbox",
            "update",
            "-u",
            user,
            "--uid-validity",
            "4000000000",
            "--min-next-uid",
            "3000000000",
            "INBOX",
        ],
        check=True,
        capture_output=True,
    )
    dovecot.append(user, _mail("Big numbers", "two", "ann@customer.test", "big1@customer.test"))
    _sync(mailbox)
    from inbox.models import FolderState

    state = db.session.execute(select(FolderState).where(FolderState.mailbox_id == mailbox.id)).scalar_one()
    assert (state.uidvalidity, state.last_error) == (4_000_000_000, None) and state.last_uid > 2**31
    uids = db.session.execute(select(RawMessage.uid).where(RawMessage.mailbox_id == mailbox.id)).scalars().all()
    assert len(uids) == 2 and min(uids) >= 3_000_000_000
    _sync(mailbox)
    assert _counts()[:2] == (2, 2)


def test_order_cache_put_racing_another_worker(pg_app):
    """Two workers caching the same customer's orders at once: on PostgreSQL the second insert waits
    for the first and then meets its key; that must not fail the panel."""
    import threading

    from inbox.models import utcnow
    from inbox_plugins.woocommerce import cache

    outcome = {}

    def second_worker():
        with pg_app.app_context():
            try:
                outcome["at"] = cache.put("c1:race", 1, {"orders": [2]})
            except Exception as exc:  # noqa: BLE001 - the assertion below shows what it was
                outcome["error"] = exc

    with db.engine.begin() as first:
        first.execute(
            cache.OrderCache.insert().values(key="c1:race", customer_id=1, value={"orders": [1]}, fetched_at=utcnow())
        )
        worker = threading.Thread(target=second_worker)
        worker.start()
        worker.join(1.0)
        assert worker.is_alive()  # waiting on the first worker's uncommitted row
    worker.join(10)
    assert "error" not in outcome, outcome.get("error")
    assert cache.get("c1:race", 60)[0]["orders"] in ([1], [2])


def test_two_fetch_processes_at_once_on_postgres(pg_app, dovecot, imap_account, smtp_sink):
    """`inbox fetch` twice at the same moment, both on the PostgreSQL database: every message once."""
    import os
    import subprocess

    import test_ingest

    _mailbox(dovecot, imap_account, smtp_sink)
    test_ingest.bulk_append(dovecot, imap_account[0], test_ingest.corpus(200, "pgrace"))
    env = dict(
        os.environ,
        INBOX_INSTANCE_PATH=pg_app.instance_path,
        INBOX_SECRET_KEY=pg_app.config["SECRET_KEY"],
        INBOX_DATABASE_URL=pg_app.config["SQLALCHEMY_DATABASE_URI"],
        INBOX_FETCH_BATCH="20",
        INBOX_HISTORY_DAYS="3650",
    )
    env.pop("INBOX_TEST_DATABASE", None)
    procs = [
        subprocess.Popen(test_ingest._fetch_cmd(), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=300) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    db.session.expire_all()
    test_ingest.assert_exactly_once("pgrace", 200)
