"""pytest fixtures for browser tests: pytest-playwright driving Debian's /usr/bin/chromium.

Loaded for every test folder from the root conftest.py. `page`, `browser` and friends come from
pytest-playwright; this module points them at the system Chromium (no downloaded browsers) and adds
`live_server` and `log_in`. Run without a browser with `pytest -p no:playwright`: the browser tests
are then skipped, not failed.
"""

from __future__ import annotations

import pytest

from .live import serve

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
_BROWSER_FIXTURES = {"page", "browser", "context", "browser_page"}


def pytest_collection_modifyitems(config, items):
    if config.pluginmanager.has_plugin("playwright"):
        return
    skip = pytest.mark.skip(reason="browser test: pytest-playwright is disabled (-p no:playwright)")
    for item in items:
        if _BROWSER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


# every page of ours runs under a Content-Security-Policy (inbox/csp.py); a browser test fails when the
# pages it visits break it (an inline handler, a script without the nonce, a call to another host).
# Only top-level documents count: the mail body frame's own strict CSP blocks remote images on purpose.
_CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", function (e) {
  if (window.top !== window) return;
  console.error("CSP-VIOLATION " + e.effectiveDirective + " blocked " + (e.blockedURI || "inline") +
                " at " + e.sourceFile + ":" + e.lineNumber + " on " + location.pathname);
});
"""


@pytest.fixture(autouse=True)
def csp_violations(request):
    """The list of CSP violations seen by the test's `page` (empty otherwise); asserted empty at the end.
    A test that provokes one on purpose can clear() the list."""
    violations: list[str] = []
    if "page" not in request.fixturenames:
        yield violations
        return
    page = request.getfixturevalue("page")
    page.context.add_init_script(_CSP_LISTENER)
    page.context.on(
        "console", lambda msg: violations.append(msg.text) if msg.text.startswith("CSP-VIOLATION") else None
    )
    yield violations
    assert not violations, "Content-Security-Policy violations: " + "; ".join(violations)


@pytest.fixture
def live_server(app):
    """The `app` fixture's app on a real HTTP port (threaded, like a small production server)."""
    with serve(app) as url:
        yield url


@pytest.fixture
def log_in(live_server):
    """log_in(page, email, password): fills the login form and waits to leave it."""

    def _log_in(page, email: str, password: str):
        page.goto(live_server + "/login")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(lambda url: "/login" not in url)
        return page

    return _log_in
