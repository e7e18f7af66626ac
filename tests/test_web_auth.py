"""Logging in and out, rate limiting, cookies, CSRF, profile and password reset by email."""

from __future__ import annotations

import email
import re

import pytest
from test_web_support import PASSWORD, login, make_mailbox, make_user

from inbox.extensions import db
from inbox.mail.outbound import outbox
from inbox.models import RateEvent, User
from inbox.testing.fixtures import make_app


def test_login_page_and_successful_login_sets_safe_cookie(app, client):
    user = make_user("Lena Login")
    page = client.get("/login")
    assert page.status_code == 200 and b'name="password"' in page.data
    resp = client.post("/login", data={"email": user.email.upper(), "password": PASSWORD})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/inbox")
    cookie = next(h for h in resp.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert client.get("/inbox").status_code == 200
    db.session.expire_all()
    assert db.session.get(User, user.id).last_login_at is not None


def test_secure_cookie_from_configuration(tmp_path, _migrated_template):
    """BASE_URL on https (or HTTPS=1) makes the cookies Secure; nothing a request says changes that."""
    app = make_app(str(tmp_path / "tls"), _migrated_template, BASE_URL="https://inbox.test")
    with app.app_context():
        user = make_user("Tess Tls")
        resp = app.test_client().post(
            "/login", data={"email": user.email, "password": PASSWORD}, base_url="https://inbox.test"
        )
        cookie = next(h for h in resp.headers.getlist("Set-Cookie") if h.startswith("session="))
        assert "Secure" in cookie
        db.session.remove()
        db.engine.dispose()


def test_forwarded_proto_never_changes_cookie_security(app, client):
    """Review finding 12: X-Forwarded-Proto: https once made every later cookie Secure, so logins
    over plain http broke for everyone until a restart."""
    user = make_user("Hal Header")
    for _ in range(4):
        client.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert app.config["SESSION_COOKIE_SECURE"] is False
    resp = app.test_client().post("/login", data={"email": user.email, "password": PASSWORD})
    cookie = next(h for h in resp.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert resp.status_code == 302 and "Secure" not in cookie


def test_wrong_password_and_inactive_user_are_refused(app, client):
    user = make_user("Wanda Wrong")
    resp = client.post("/login", data={"email": user.email, "password": "nope"})
    assert resp.status_code == 401 and b"don&#39;t match" in resp.data
    user.active = False
    db.session.commit()
    resp = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert resp.status_code == 401
    assert client.get("/inbox").status_code == 302


def test_login_rate_limit_per_account_and_ip(app, client):
    user = make_user("Rita Rate")
    for _ in range(5):
        assert client.post("/login", data={"email": user.email, "password": "bad"}).status_code in (401, 429)
    resp = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert resp.status_code == 429
    assert b"Too many failed attempts" in resp.data and b"try again in" in resp.data
    # the failures are in the shared table, so another worker process would see them too
    assert db.session.query(RateEvent).filter_by(kind="login_fail").count() == 5
    # another address (another IP) is not locked out
    other = app.test_client()
    resp = other.post(
        "/login", data={"email": user.email, "password": PASSWORD}, environ_base={"REMOTE_ADDR": "10.9.8.7"}
    )
    assert resp.status_code == 302


def test_successful_login_clears_failures(app, client):
    user = make_user("Cleo Clear")
    for _ in range(3):
        client.post("/login", data={"email": user.email, "password": "bad"})
    login(client, user)
    assert db.session.query(RateEvent).filter_by(kind="login_fail").count() == 0


@pytest.mark.parametrize("target", ["https://evil.test/x", "//evil.test", "/\\evil.test", "javascript:alert(1)"])
def test_next_parameter_never_leaves_the_site(app, client, target):
    user = make_user("Nina Next")
    resp = client.post("/login", query_string={"next": target}, data={"email": user.email, "password": PASSWORD})
    assert resp.headers["Location"].endswith("/inbox")


def test_next_parameter_returns_to_the_page(app, client):
    user = make_user("Nora Next")
    resp = client.get("/search?q=refund")
    assert resp.status_code == 302 and "/login?next=" in resp.headers["Location"]
    resp = client.post(
        "/login", query_string={"next": "/search?q=refund"}, data={"email": user.email, "password": PASSWORD}
    )
    assert resp.headers["Location"].endswith("/search?q=refund")


def test_logout_is_post_only(app, client):
    user = make_user("Otto Out")
    login(client, user)
    assert client.get("/logout").status_code == 405
    resp = client.post("/logout")
    assert resp.status_code == 302 and client.get("/inbox").status_code == 302


def test_csrf_refuses_posts_without_token(tmp_path, _migrated_template):
    app = make_app(str(tmp_path / "csrf"), _migrated_template, WTF_CSRF_ENABLED=True)
    with app.app_context():
        user = make_user("Cyd Csrf")
        client = app.test_client()
        assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 400
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        assert (
            client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token}).status_code
            == 302
        )
        inbox = client.get("/inbox").get_data(as_text=True)
        meta = re.search(r'<meta name="csrf-token" content="([^"]+)"', inbox).group(1)
        assert client.post("/inbox/bulk", data={"action": "close"}).status_code == 400
        # htmx and fetch() send the token as a header (app.js)
        resp = client.post("/inbox/bulk", data={"action": "close"}, headers={"X-CSRFToken": meta})
        assert resp.status_code == 302
        assert client.post("/logout").status_code == 400
        db.session.remove()
        db.engine.dispose()


def test_profile_updates_name_signature_and_password(app, client):
    user = make_user("Pat Profile")
    login(client, user)
    assert b"Your signature" in client.get("/profile").data
    resp = client.post(
        "/profile",
        data={
            "name": "Pat P.",
            "signature": "Pat from Support",
            "current_password": "wrong",
            "new_password": "new password 123",
            "confirm_password": "new password 123",
        },
    )
    assert resp.status_code == 400 and b"not your current password" in resp.data
    resp = client.post(
        "/profile",
        data={
            "name": "Pat P.",
            "signature": "Pat from Support",
            "current_password": PASSWORD,
            "new_password": "new password 123",
            "confirm_password": "new password 123",
        },
    )
    assert resp.status_code == 302
    db.session.expire_all()
    fresh = db.session.get(User, user.id)
    assert fresh.name == "Pat P." and fresh.signature == "Pat from Support"
    assert fresh.check_password("new password 123")


def _reset_link(sink) -> str:
    msg = email.message_from_bytes(sink.messages[-1].content)
    body = next(p for p in msg.walk() if p.get_content_type() == "text/plain").get_payload(decode=True).decode()
    return re.search(r"http://localhost(/reset/\S+)", body).group(1)


def test_password_reset_by_email_link_is_single_use(app, client, smtp_sink):
    make_mailbox("Outbound", smtp_host=smtp_sink.host, smtp_port=smtp_sink.port, smtp_security="none")
    user = make_user("Remy Reset")
    page = client.post("/forgot", data={"email": user.email})
    assert page.status_code == 200 and b"If that address belongs to an account" in page.data
    outbox.send_due(app)  # queued in the outbox, sent by the worker
    assert len(smtp_sink.messages) == 1 and smtp_sink.messages[0].rcpt_tos == [user.email]
    link = _reset_link(smtp_sink)
    assert client.get(link).status_code == 200
    assert client.post(link, data={"password": "short", "confirm": "short"}).status_code == 400
    resp = client.post(link, data={"password": "a brand new secret", "confirm": "a brand new secret"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/login")
    db.session.expire_all()
    assert db.session.get(User, user.id).check_password("a brand new secret")
    # spent: the password changed, so the fingerprint in the link no longer matches
    again = client.get(link)
    assert again.status_code == 400 and b"no longer works" in again.data


def test_unknown_address_gets_the_same_answer_and_no_mail(app, client, smtp_sink):
    make_mailbox("Outbound", smtp_host=smtp_sink.host, smtp_port=smtp_sink.port, smtp_security="none")
    page = client.post("/forgot", data={"email": "nobody@nowhere.test"})
    assert page.status_code == 200 and b"If that address belongs to an account" in page.data
    outbox.send_due(app)
    assert smtp_sink.messages == []


def test_reset_link_expires_and_rejects_tampering(app, client):
    from inbox.web.auth import reset_token

    user = make_user("Ezra Expire")
    with app.test_request_context():
        token = reset_token(user)
    assert client.get(f"/reset/{token}x").status_code == 400
    app.config["RESET_MAX_AGE"] = -1
    assert client.get(f"/reset/{token}").status_code == 400
