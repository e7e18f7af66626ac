"""App-wide protections set up once at start-up: the proxy hops we trust, the Host check (via
TRUSTED_HOSTS, computed in inbox/config.py from BASE_URL) and the security headers of every page.

Nothing here writes app.config while serving: cookie security comes from configuration only
(review finding 12)."""

from __future__ import annotations

from flask import Flask, request
from werkzeug.middleware.proxy_fix import ProxyFix

from ..csp import csp_nonce, policy_for
from ..urls import external_url


def init_app(app: Flask) -> None:
    _proxy_fix(app)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    # links that leave the app (inserted into replies, mailed) are built on BASE_URL
    app.jinja_env.globals["external_url"] = external_url

    @app.after_request
    def _security_headers(response):
        # no page of ours may be framed by another site (clickjacking of the action buttons); routes
        # with stricter needs (the email body, attachments) set their own values first
        response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if response.mimetype == "text/html" and "Content-Security-Policy" not in response.headers:
            response.headers["Content-Security-Policy"] = policy_for(request.path)
        if app.config.get("HTTPS") and app.config.get("HSTS_SECONDS"):
            response.headers.setdefault("Strict-Transport-Security", f"max-age={int(app.config['HSTS_SECONDS'])}")
        return response


def _proxy_fix(app: Flask) -> None:
    """Trust X-Forwarded-* only from the configured number of proxies, so rate limits key on the
    real client and an attacker cannot set the scheme or host by sending the headers themselves."""
    hops = {
        name: int(app.config.get(f"PROXY_FIX_X_{name.upper()}") or 0)
        for name in ("for", "proto", "host", "port", "prefix")
    }
    if any(hops.values()):
        app.wsgi_app = ProxyFix(
            app.wsgi_app,
            x_for=hops["for"],
            x_proto=hops["proto"],
            x_host=hops["host"],
            x_port=hops["port"],
            x_prefix=hops["prefix"],
        )
