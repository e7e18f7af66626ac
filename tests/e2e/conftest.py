"""Browser tests: Playwright drives Debian's /usr/bin/chromium (no downloaded browsers).

Shared fixtures: `browser_type_launch_args` (the system chromium, headless, no network chatter),
`live_server` (the test's app served from a thread; yields its base URL) and `log_in` (signs a
page in through the real login form). Test modules may still override any of them.
"""
from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": "/usr/bin/chromium", "args": CHROMIUM_ARGS}


@pytest.fixture
def live_server(app):
    """The `app` fixture's app on a real HTTP port (threaded, like a small production server)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def log_in(live_server):
    """log_in(page, email, password): fills the login form and waits for the inbox."""

    def _log_in(page, email: str, password: str):
        page.goto(live_server + "/login")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(lambda url: "/login" not in url)
        return page

    return _log_in
