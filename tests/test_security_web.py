"""Regression tests for the web findings of the security review (shared/reviews/security-review.md):
each test replays the attack that worked before the fix."""

from __future__ import annotations

import email
import logging
import re
import socket
import statistics
import time
from datetime import timedelta

import pytest
from portal_helpers import mail_in
from test_web_support import PASSWORD, login, make_mailbox, make_user

from inbox.extensions import db
from inbox.mail.outbound import outbox
from inbox.models import OutboxMessage, PortalToken, RateEvent, User, utcnow
from inbox.testing.fixtures import make_app

BASE = "https://help.example.com"


@pytest.fixture
def app_config():
    # the real address differs from the test client's Host (localhost), which is accepted as an extra host
    return {"BASE_URL": BASE, "EXTRA_TRUSTED_HOSTS": ["localhost", "127.0.0.1"], "HTTPS": False}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _queued_text(row: OutboxMessage) -> str:
    msg = email.message_from_bytes(row.mime)
    return next(p for p in msg.walk() if p.get_content_type() == "text/plain").get_payload(decode=True).decode()


def _outbox_rows() -> list[OutboxMessage]:
    db.session.expire_all()
    return db.session.execute(db.select(OutboxMessage).order_by(OutboxMessage.id)).scalars().all()


# ---- findings 1-2: links in mail never come from the request's Host -------------------------


def test_forged_host_is_refused_and_no_reset_mail_is_queued(app, client, smtp_sink):
    make_mailbox("Out", smtp_host=smtp_sink.host, smtp_port=smtp_sink.port, smtp_security="none")
    user = make_user("Maya Admin", role="admin")
    resp = client.post("/forgot", data={"email": user.email}, headers={"Host": "attacker.example"})
    assert resp.status_code == 400
    assert _outbox_rows() == []


def test_reset_link_is_built_on_base_url_whatever_the_host(app, client, smtp_sink):
    make_mailbox("Out", smtp_host=smtp_sink.host, smtp_port=smtp_sink.port, smtp_security="none")
    user = make_user("Maya Admin", role="admin")
    # 127.0.0.1 is an accepted host here, but still not the address links are made of
    resp = client.post("/forgot", data={"email": user.email}, base_url="http://127.0.0.1:8000")
    assert resp.status_code == 200
    (row,) = _outbox_rows()
    links = re.findall(r"https?://\S+", _queued_text(row))
    assert len(links) == 1 and links[0].startswith(BASE + "/reset/")


def test_portal_sign_in_link_is_built_on_base_url_and_forged_host_refused(app, client, mailbox):
    mail_in(mailbox, "olivia@customer.test", "Refund please", "Hello")
    resp = client.post("/portal/sign-in", data={"email": "olivia@customer.test"}, headers={"Host": "attacker.example"})
    assert resp.status_code == 400 and _outbox_rows() == []
    resp = client.post("/portal/sign-in", data={"email": "olivia@customer.test"}, base_url="http://127.0.0.1:8000")
    assert resp.status_code == 200
    (row,) = _outbox_rows()
    assert re.search(r"https?://\S+", _queued_text(row)).group(0).startswith(BASE + "/portal/sign-in/")


def test_admin_settings_show_the_base_url(app, client):
    login(client, make_user("Ada Admin", role="admin"))
    page = client.get("/admin/settings").get_data(as_text=True)
    assert BASE in page and "Web address" in page


def test_base_url_must_be_a_plain_http_url(tmp_path, _migrated_template):
    for bad in ("help.example.com", "ftp://help.example.com", "https://help.example.com/?x=1"):
        with pytest.raises(ValueError):
            make_app(str(tmp_path / "bad"), _migrated_template, BASE_URL=bad)


# ---- findings 8 and 12: the real client behind a proxy; config never written by a request ----


def _login(client, email, password, ip):
    return client.post(
        "/login", data={"email": email, "password": password}, headers={"X-Forwarded-For": ip}
    ).status_code


def test_attacker_behind_the_proxy_cannot_lock_out_the_real_user(tmp_path, _migrated_template):
    app = make_app(str(tmp_path / "proxy"), _migrated_template, PROXY_FIX_X_FOR=1)
    with app.app_context():
        user = make_user("Maya Proxy", role="admin")
        attacker, owner = app.test_client(), app.test_client()
        codes = [_login(attacker, user.email, "wrong guess", "203.0.113.9") for _ in range(6)]
        assert codes == [401] * 5 + [429]
        # the ledger keys on the real client, not on the proxy's 127.0.0.1
        keys = {k for (k,) in db.session.execute(db.select(RateEvent.key).where(RateEvent.kind == "login_fail"))}
        assert keys == {f"{user.email}|203.0.113.9"}
        assert _login(owner, user.email, PASSWORD, "198.51.100.7") == 302
        db.session.remove()
        db.engine.dispose()


def test_many_attacking_addresses_slow_the_account_but_not_its_owner(tmp_path, _migrated_template):
    app = make_app(str(tmp_path / "botnet"), _migrated_template, PROXY_FIX_X_FOR=1, LOGIN_ACCOUNT_FAILURES=6)
    with app.app_context():
        user = make_user("Sam Target")
        bot = app.test_client()
        for n in range(6):  # six addresses, one failure each: under the per-address limit
            assert _login(bot, user.email, "guess", f"203.0.113.{n}") == 401
        # the account is now under attack: an address that failed for it waits...
        assert _login(bot, user.email, "guess", "203.0.113.0") == 429
        # ...but the owner, from an address that has not failed, still gets in
        assert _login(app.test_client(), user.email, PASSWORD, "198.51.100.7") == 302
        db.session.remove()
        db.engine.dispose()


def test_forwarded_for_is_ignored_without_configured_hops(app, client):
    user = make_user("Nora Nohops")
    for n in range(5):  # an attacker rotating a fake header gets no fresh budget
        _login(client, user.email, "guess", f"203.0.113.{n}")
    assert _login(client, user.email, PASSWORD, "198.51.100.7") == 429


# ---- findings 10-11: reset mail through the outbox; same work for known and unknown ----------


def test_reset_mail_waits_in_the_outbox_while_smtp_is_down(app, client, smtp_sink):
    box = make_mailbox("Out", smtp_host="127.0.0.1", smtp_port=_free_port(), smtp_security="none")
    user = make_user("Remy Reset")
    started = time.monotonic()
    assert client.post("/forgot", data={"email": user.email}).status_code == 200
    assert time.monotonic() - started < 5  # no SMTP inside the request
    (row,) = _outbox_rows()
    assert row.status == "queued" and row.recipients == [user.email]
    outbox.send_due(app)
    (row,) = _outbox_rows()
    assert row.status == "queued" and row.attempts == 1 and row.last_error  # retried later, not lost
    box.smtp_port = smtp_sink.port
    row.next_attempt_at = utcnow()
    db.session.commit()
    outbox.send_due(app)
    assert [m.rcpt_tos for m in smtp_sink.messages] == [[user.email]]
    assert (BASE + "/reset/").encode() in smtp_sink.messages[0].content


def test_invitation_is_queued_too(app, client, smtp_sink):
    make_mailbox("Out", smtp_host=smtp_sink.host, smtp_port=smtp_sink.port, smtp_security="none")
    login(client, make_user("Ada Admin", role="admin"))
    resp = client.post(
        "/admin/users/new", data={"name": "Ivy Invite", "email": "ivy@team.test", "role": "agent", "invite": "1"}
    )
    assert resp.status_code == 302
    (row,) = _outbox_rows()
    assert row.recipients == ["ivy@team.test"] and "invited" in _queued_text(row)


def test_forgot_has_a_per_client_limit(app, client, smtp_sink):
    make_mailbox("Out", smtp_host=smtp_sink.host, smtp_port=smtp_sink.port, smtp_security="none")
    codes = [client.post("/forgot", data={"email": f"probe{n}@team.test"}).status_code for n in range(11)]
    assert codes == [200] * 10 + [429]


def _medians_ms(client, path, known: dict, unknown: dict, runs=15) -> tuple[float, float]:
    """Median time of each, measured alternately so that drift in the machine's load hits both."""
    times: dict[str, list[float]] = {"known": [], "unknown": []}
    for _ in range(runs):
        for name, data in (("known", known), ("unknown", unknown)):
            started = time.perf_counter()
            client.post(path, data=data)
            times[name].append((time.perf_counter() - started) * 1000)
    return statistics.median(times["known"]), statistics.median(times["unknown"])


def test_known_and_unknown_addresses_take_the_same_time(tmp_path, _migrated_template, smtp_sink, dovecot, imap_account):
    """Before: known accounts took 45-183 ms (SMTP inside the request), unknown 5-16 ms."""
    from inbox.testing.fixtures import make_mailbox as fixture_mailbox

    app = make_app(
        str(tmp_path / "timing"),
        _migrated_template,
        RESET_PER_CLIENT_HOUR=1000,
        RESET_PER_ADDRESS_HOUR=1000,
        PORTAL_SIGNIN_PER_HOUR=1000,
    )
    with app.app_context():
        box = fixture_mailbox(dovecot, imap_account, smtp_sink)
        box.portal_enabled = True
        db.session.commit()
        user = make_user("Tim Timing")
        mail_in(box, "known@customer.test", "Hello", "Hi")
        client = app.test_client()
        _medians_ms(client, "/forgot", {"email": "warm@up.test"}, {"email": "warm@up.test"}, runs=3)
        _medians_ms(client, "/portal/sign-in", {"email": "warm@up.test"}, {"email": "warm@up.test"}, runs=3)
        forgot_known, forgot_unknown = _medians_ms(
            client, "/forgot", {"email": user.email}, {"email": "nobody@team.test"}
        )
        portal_known, portal_unknown = _medians_ms(
            client, "/portal/sign-in", {"email": "known@customer.test"}, {"email": "nobody@customer.test"}
        )
        print(
            f"median ms: forgot known {forgot_known:.1f} unknown {forgot_unknown:.1f}; "
            f"portal known {portal_known:.1f} unknown {portal_unknown:.1f}"
        )
        # loose on purpose (a shared, loaded machine): before the fix the known address took ~10x as long
        assert forgot_known < 2 * forgot_unknown + 5 and portal_known < 2 * portal_unknown + 5
        # both did the same work; only the known ones were queued
        rows = db.session.execute(db.select(OutboxMessage.recipients)).scalars().all()
        assert {r[0] for r in rows} == {user.email, "known@customer.test"}
        assert smtp_sink.messages == []
        db.session.remove()
        db.engine.dispose()


def _statements(client, path, data) -> list[str]:
    from sqlalchemy import event

    seen: list[str] = []

    def record(conn, cursor, statement, *args):
        seen.append(" ".join(statement.split()[:3]))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert client.post(path, data=data).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return seen


def test_known_and_unknown_addresses_do_the_same_database_work(app, client, mailbox):
    """Apart from queueing the mail itself, a known address costs exactly what an unknown one does."""
    user = make_user("Kim Known")
    mail_in(mailbox, "known@customer.test", "Hello", "Hi")
    for path, known, unknown in (
        ("/forgot", user.email, "nobody@team.test"),
        ("/portal/sign-in", "known@customer.test", "nobody@customer.test"),
    ):
        _statements(client, path, {"email": "warm@up.test"})  # settings are cached after the first request
        known_work = _statements(client, path, {"email": known})
        unknown_work = _statements(client, path, {"email": unknown})
        extra = list(known_work)
        extra.remove("INSERT INTO outbox")
        assert extra == unknown_work, path


# ---- finding 13: request size limits -------------------------------------------------------


def test_oversized_anonymous_body_is_refused_before_parsing(tmp_path, _migrated_template):
    app = make_app(str(tmp_path / "big"), _migrated_template, MAX_ATTACHMENT_BYTES=1024 * 1024, WTF_CSRF_ENABLED=True)
    with app.app_context():
        assert app.config["MAX_CONTENT_LENGTH"] == 2 * 1024 * 1024
        client = app.test_client()
        body = b"email=" + b"a" * (3 * 1024 * 1024)
        for path in ("/portal/sign-in", "/login"):
            resp = client.post(path, data=body, content_type="application/x-www-form-urlencoded")
            assert resp.status_code == 413 and b"too large" in resp.data and b"at most 2 MB" in resp.data
        # many form fields under the total limit but over the in-memory form limit
        resp = client.post("/login", data={"email": "x" * (int(app.config["MAX_FORM_MEMORY_SIZE"]) + 10)})
        assert resp.status_code == 413
        db.session.remove()
        db.engine.dispose()


# ---- finding 17: logout and sign-out end every copy of the cookie ---------------------------


def _cookie(client, name="session"):
    return client.get_cookie(name).value


def test_agent_cookie_replayed_after_logout_is_refused(app, client):
    user = make_user("Cole Copy")
    assert client.post("/login", data={"email": user.email, "password": PASSWORD, "remember": "1"}).status_code == 302
    stolen_session, stolen_remember = _cookie(client), _cookie(client, "remember_token")
    assert client.get("/inbox").status_code == 200
    assert client.post("/logout").status_code == 302
    thief = app.test_client()
    thief.set_cookie("session", stolen_session)
    assert thief.get("/inbox").status_code == 302
    thief = app.test_client()
    thief.set_cookie("remember_token", stolen_remember)
    assert thief.get("/inbox").status_code == 302
    # the owner can log in again
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    assert client.get("/inbox").status_code == 200


def test_portal_cookie_replayed_after_sign_out_is_refused(app, client, mailbox, smtp_sink):
    mail_in(mailbox, "pia@customer.test", "My parcel", "Where is it?")
    client.post("/portal/sign-in", data={"email": "pia@customer.test"})
    token = db.session.execute(db.select(PortalToken)).scalar_one()
    outbox.send_due(app)
    link = re.search(r"/portal/sign-in/\S+", smtp_sink.parsed()[-1].get_body(("plain",)).get_content()).group(0)
    assert client.post(link).status_code == 302 and token
    stolen = _cookie(client)
    assert client.get("/portal/requests").status_code == 200
    assert client.post("/portal/sign-out").status_code == 302
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert thief.get("/portal/requests").status_code == 302


def test_portal_session_expires(app, client, mailbox):
    from inbox.testing.helpers import portal_sign_in

    conv = mail_in(mailbox, "old@customer.test", "Old", "Old")
    portal_sign_in(client, conv.customer)
    assert client.get("/portal/requests").status_code == 200
    with client.session_transaction() as session:
        session["portal_signed_in_at"] = time.time() - (app.config["PORTAL_SESSION_HOURS"] * 3600 + 1)
    assert client.get("/portal/requests").status_code == 302


# ---- finding 24: one password policy ---------------------------------------------------------


@pytest.mark.parametrize("weak", ["aaaaaaaaaaaa", "password123", "short"])
def test_weak_passwords_are_refused_on_the_web_and_in_the_cli(app, client, weak):
    user = make_user("Pat Policy")
    login(client, user)
    resp = client.post(
        "/profile", data={"name": "Pat", "current_password": PASSWORD, "new_password": weak, "confirm_password": weak}
    )
    assert resp.status_code == 400
    db.session.expire_all()
    assert db.session.get(User, user.id).check_password(PASSWORD)
    result = app.test_cli_runner().invoke(
        args=["users", "create", "w@team.test", "--name", "W", "--password-stdin"], input=weak + "\n"
    )
    assert result.exit_code != 0
    assert db.session.execute(db.select(User).where(User.email == "w@team.test")).scalar() is None


# ---- finding 26: secrets in tracebacks are masked ---------------------------------------------


def test_secret_in_an_exception_is_masked_in_the_traceback(app):
    from inbox.logging_setup import RedactingFilter

    records = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(self.format(record))

    handler = Keep()
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler.addFilter(RedactingFilter(lambda: ["IMAPSECRETPW123"]))
    log = logging.getLogger("test.redaction")
    log.addHandler(handler)
    try:
        try:
            raise RuntimeError("login failed with password IMAPSECRETPW123")
        except RuntimeError:
            log.exception("fetch failed")
        log.warning("where am I", stack_info=True, extra={})
    finally:
        log.removeHandler(handler)
    assert "Traceback" in records[0] and "********" in records[0]
    assert all("IMAPSECRETPW123" not in r for r in records)


# ---- issue 12 item 9: one limiter, pruned by the worker ---------------------------------------


def test_rate_ledger_is_pruned_by_the_worker_job(app):
    from inbox.worker import Worker, prune_ledgers

    db.session.add_all(
        [
            RateEvent(kind="login_fail", key="old", created_at=utcnow() - timedelta(days=3)),
            RateEvent(kind="login_fail", key="new"),
        ]
    )
    db.session.commit()
    assert prune_ledgers() == 1
    assert [k for (k,) in db.session.execute(db.select(RateEvent.key))] == ["new"]
    worker = Worker(app)
    worker._schedule()
    assert worker.scheduler.get_job("prune") is not None


# ---- finding 27: a GET does not mark a conversation read ---------------------------------------


def test_cross_site_get_does_not_mark_read_but_the_page_heartbeat_does(app, client):
    from conversation_helpers import make_conversation

    box = make_mailbox("Support")
    conv = make_conversation(box)
    agent = make_user("Rae Reader", mailboxes=[box])
    login(client, agent)
    html = client.get(f"/conversations/{conv.number}", headers={"Referer": "https://evil.test/"}).get_data(as_text=True)
    db.session.refresh(conv)
    assert conv.is_unread
    last = re.search(r'data-last-item-id="(\d+)"', html).group(1)
    client.post(f"/conversations/{conv.number}/presence", json={"state": "viewing", "last_item_id": last})
    db.session.refresh(conv)
    assert not conv.is_unread


# ---- findings 20-21: a Content-Security-Policy with a nonce on every page ----------------------


def test_pages_carry_a_csp_with_a_fresh_nonce_that_inline_scripts_use(app, client, mailbox):
    from conversation_helpers import add_customer_message, make_conversation

    login(client, make_user("Cat Csp", role="admin"))
    first, second = client.get("/inbox"), client.get("/inbox")
    csp = first.headers["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
    assert nonce != re.search(r"'nonce-([^']+)'", second.headers["Content-Security-Policy"]).group(1)
    for directive in ("default-src 'self'", "object-src 'none'", "frame-ancestors 'self'", "base-uri 'self'"):
        assert directive in csp
    html = first.get_data(as_text=True)
    assert re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html) == [f' nonce="{nonce}"']
    assert not re.search(r"<[^>]+\son(click|change|submit|load|error)=", html)
    # the mail body frame keeps its own, stricter policy
    conv = make_conversation(mailbox)
    item = add_customer_message(conv, html="<p>Hi</p>")
    body = client.get(f"/conversations/{conv.number}/items/{item.id}/body")
    assert body.headers["Content-Security-Policy"].startswith("default-src 'none'")


def test_portal_policy_keeps_custom_css_from_calling_out(app, client, mailbox):
    page = client.get("/portal/")
    csp = page.headers["Content-Security-Policy"]
    assert "img-src 'self' data:" in csp and "font-src 'self'" in csp and "style-src 'self' 'nonce-" in csp
    nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
    assert f'<style nonce="{nonce}">' in page.get_data(as_text=True)


def test_hsts_only_when_configured_on_https(tmp_path, _migrated_template):
    app = make_app(
        str(tmp_path / "hsts"), _migrated_template, BASE_URL="https://help.example.com", HSTS_SECONDS=31536000
    )
    with app.app_context():
        resp = app.test_client().get("/login", base_url="https://help.example.com")
        assert resp.headers["Strict-Transport-Security"] == "max-age=31536000"
        db.session.remove()
        db.engine.dispose()


def test_external_url_needs_no_request_and_keeps_a_path_prefix(tmp_path, _migrated_template):
    from inbox.urls import external_url

    app = make_app(str(tmp_path / "prefix"), _migrated_template, BASE_URL="https://example.com/help/")
    with app.app_context():  # the worker and the CLI have no request
        assert app.config["BASE_URL"] == "https://example.com/help"
        assert external_url("portal.confirm", token="abc") == "https://example.com/help/portal/sign-in/abc"
        db.engine.dispose()
