"""Personal access tokens: made with 32 random bytes, stored hashed, shown once, scoped, expiring,
revocable (CLI and profile page), Bearer only."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from api_helpers import Api, token_for
from test_web_support import login, make_mailbox, make_user

from inbox import access_tokens
from inbox.extensions import db
from inbox.models import ApiToken, utcnow


def test_token_is_random_hashed_and_authenticates(app):
    user = make_user("Tia Token")
    row, raw = access_tokens.create(user, "shop", ["conversations:read"])
    db.session.commit()
    assert raw.startswith(access_tokens.PREFIX) and len(raw) - len(access_tokens.PREFIX) >= 43  # 32 bytes, base64
    assert row.token_hash == hashlib.sha256(raw.encode()).hexdigest() and raw not in (row.prefix, row.token_hash)
    assert access_tokens.authenticate(raw).id == row.id
    assert db.session.get(ApiToken, row.id).last_used_at is not None
    assert access_tokens.authenticate(raw[:-1] + ("A" if raw[-1] != "A" else "B")) is None


def test_expired_revoked_and_inactive_tokens_are_refused(app):
    user = make_user("Eve Expiring")
    raw = token_for(user, expires_days=1)
    assert access_tokens.authenticate(raw, now=utcnow() + timedelta(days=2)) is None
    api = Api(app, raw)
    assert api.get("/tags").status_code == 200
    row = db.session.execute(db.select(ApiToken).where(ApiToken.user_id == user.id)).scalar_one()
    access_tokens.revoke(row)
    db.session.commit()
    assert api.get("/tags").status_code == 401
    other = make_user("Ina Inactive")
    api2 = Api(app, token_for(other))
    other.active = False
    db.session.commit()
    assert api2.get("/tags").status_code == 401


def test_bearer_only_query_string_token_is_400(app):
    user = make_user("Quinn Query")
    raw = token_for(user)
    client = app.test_client()
    resp = client.get(f"/api/v1/tags?access_token={raw}")
    assert resp.status_code == 400 and resp.mimetype == "application/problem+json"
    assert "query string" in resp.get_json()["title"]
    resp = client.get("/api/v1/tags")
    assert resp.status_code == 401 and resp.headers["WWW-Authenticate"].startswith("Bearer")
    assert resp.get_json()["status"] == 401
    assert client.get("/api/v1/tags", headers={"Authorization": f"Basic {raw}"}).status_code == 401
    assert "Set-Cookie" not in Api(app, raw).get("/tags").headers  # tokens, never a session


def test_admin_scope_only_for_admins_and_unknown_scopes_refused(app):
    agent = make_user("Agnes Agent")
    for scopes in (["admin"], ["conversations:delete"]):
        try:
            access_tokens.create(agent, "x", scopes)
        except ValueError:
            continue
        raise AssertionError(f"{scopes} accepted")
    admin = make_user("Adam Admin", role="admin")
    row, _raw = access_tokens.create(admin, "ops", ["admin"])
    assert access_tokens.has_scope(row, "customers:write")


def test_cli_create_list_revoke(app):
    user = make_user("Cleo Cli")
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "tokens",
            "create",
            user.email,
            "--name",
            "nightly export",
            "--scope",
            "conversations:read",
            "--expires",
            "30",
        ]
    )
    assert result.exit_code == 0, result.output
    raw = result.output.strip().splitlines()[-1]
    assert raw.startswith(access_tokens.PREFIX)
    api = Api(app, raw)
    assert api.get("/tags").status_code == 200
    assert api.post("/customers", json={"emails": ["a@example.com"]}).status_code == 403  # read-only token
    listed = runner.invoke(args=["tokens", "list", user.email]).output
    assert "nightly export" in listed and raw not in listed and "conversations:read" in listed
    token_id = listed.split("\t", 1)[0]
    assert runner.invoke(args=["tokens", "revoke", token_id]).exit_code == 0
    assert api.get("/tags").status_code == 401
    bad = runner.invoke(args=["tokens", "create", user.email, "--name", "x", "--scope", "admin"])
    assert bad.exit_code != 0 and "admin" in bad.output


def test_profile_page_creates_once_and_revokes(app):
    box = make_mailbox()
    user = make_user("Pia Profile", mailboxes=[box])
    stranger = make_user("Sid Stranger")
    theirs, _raw = access_tokens.create(stranger, "theirs")
    db.session.commit()
    client = app.test_client()
    login(client, user)
    resp = client.post("/profile/tokens", data={"token_name": "zapier", "scopes": ["conversations:read"]})
    assert resp.status_code == 200 and resp.headers["Cache-Control"] == "no-store"
    row = db.session.execute(db.select(ApiToken).where(ApiToken.user_id == user.id)).scalar_one()
    page = resp.get_data(as_text=True)
    shown = page.split('readonly value="', 1)[1].split('"', 1)[0]
    assert hashlib.sha256(shown.encode()).hexdigest() == row.token_hash
    again = client.get("/profile").get_data(as_text=True)
    assert "zapier" in again and shown not in again  # listed, never shown again
    assert client.post(f"/profile/tokens/{theirs.id}/revoke").status_code == 404
    assert client.post(f"/profile/tokens/{row.id}/revoke").status_code == 302
    db.session.refresh(row)
    assert row.revoked_at is not None and Api(app, shown).get("/tags").status_code == 401
    resp = client.post("/profile/tokens", data={"token_name": "root", "scopes": ["admin"]})
    assert resp.status_code == 400  # an agent's token cannot be an admin token
    assert client.post("/profile/tokens", data={"token_name": "x", "expires_days": "soon"}).status_code == 400
    assert len(access_tokens.tokens_of(user)) == 1
