"""The Content-Security-Policy in a real browser (review findings 20-21): inline scripts that carry
the page's nonce still run, and an admin's custom portal CSS cannot call out to another server.
Every browser test also fails on any CSP violation of the pages it visits (inbox.testing.browser)."""

from __future__ import annotations

import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from inbox.extensions import db
from inbox.models import set_setting
from inbox.testing.helpers import mail_in

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from test_web_support import PASSWORD, make_user  # noqa: E402


@pytest.fixture
def listener():
    """A loopback HTTP server standing in for the attacker's; records every path asked for."""
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", hits
    server.shutdown()


def test_nonced_inline_script_runs_under_the_policy(page: Page, app, live_server, log_in):
    make_user("Ada Admin", role="admin", email="ada@team.test")
    log_in(page, "ada@team.test", PASSWORD)
    response = page.goto(live_server + "/kb/new")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self' 'nonce-" in csp and "object-src 'none'" in csp and "frame-ancestors 'self'" in csp
    # the article editor's live preview is an inline script: it runs because it carries the nonce
    page.locator("#kb-body").fill("Hello **world**")
    expect(page.locator("#kb-preview strong")).to_have_text("world")


def test_custom_portal_css_cannot_call_out(page: Page, app, mailbox, live_server, listener, csp_violations):
    url, hits = listener
    mail_in(mailbox, "ann@customer.test", "Hello", "Hi")
    css = (
        f"body {{ background: url({url}/leak-by-css); }} "
        f"@font-face {{ font-family: x; src: url({url}/font-leak); }} body {{ font-family: x; }}"
    )
    set_setting("portal.branding", {"name": "Acme Help", "custom_css": css})
    db.session.commit()
    page.goto(live_server + "/portal/")
    expect(page.get_by_text("Acme Help").first).to_be_visible()
    page.wait_for_timeout(500)
    assert hits == []  # before: every portal view by Chromium fetched the attacker's URL
    assert any("img-src" in v for v in csp_violations), csp_violations
    csp_violations.clear()  # provoked on purpose
