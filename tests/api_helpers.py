"""Builders for the API tests: people with tokens, and a client that sends the Bearer header."""

from __future__ import annotations

from inbox import access_tokens
from inbox.extensions import db


def token_for(user, scopes=None, expires_days=None, name="test script") -> str:
    _row, raw = access_tokens.create(user, name, scopes, expires_days)
    db.session.commit()
    return raw


class Api:
    """A Flask test client speaking to /api/v1 with one token."""

    def __init__(self, app, token: str):
        self.client, self.token = app.test_client(), token

    def __call__(self, method: str, path: str, json=None, headers=None, **kw):
        hdrs = {"Authorization": f"Bearer {self.token}", **(headers or {})}
        url = path if path.startswith("http") or path.startswith("/api/") else "/api/v1" + path
        return self.client.open(url, method=method, json=json, headers=hdrs, **kw)

    def get(self, path, **kw):
        return self("GET", path, **kw)

    def post(self, path, json=None, **kw):
        return self("POST", path, json=json, **kw)

    def put(self, path, json=None, **kw):
        return self("PUT", path, json=json, **kw)

    def patch(self, path, json=None, **kw):
        return self("PATCH", path, json=json, **kw)
