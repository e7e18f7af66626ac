"""In a real browser (Debian chromium via Playwright): the panel appears in the conversation's sidebar
after the page has loaded, and an order's summary goes into the reply from the editor's popover.

Uses pytest-playwright's page on the system Chromium (inbox.testing.browser).
"""

from __future__ import annotations

import time

import pytest
from wc_fakestore import make_customer, make_order


@pytest.fixture
def app_config():
    """The fake store listens on 127.0.0.1, which inbox.net refuses unless allow-listed (finding 14)."""
    return {"WEBHOOK_ALLOWED_NETWORKS": "127.0.0.1/32"}


@pytest.fixture
def live(live_server):
    return live_server


@pytest.fixture
def browser_page(page):
    """pytest-playwright's page on the system Chromium (inbox.testing.browser)."""
    page.set_default_timeout(10_000)
    return page


def sign_in(page, live):
    page.goto(live + "/login")
    page.fill("#email", "admin@support.test")
    page.fill("#password", "pw-admin-123")
    page.click("button[type=submit]")
    page.wait_for_load_state("load")


def test_panel_appears_in_the_sidebar_and_inserts_an_order(
    app, admin, configured, conversation, live, browser_page, tmp_path
):
    from playwright.sync_api import expect

    page = browser_page
    configured.customers = [make_customer(7, "john@example.com")]
    configured.orders = [
        make_order(
            1234,
            "john@example.com",
            customer_id=7,
            currency="EUR",
            total="30.00",
            items=[("Blue Mug", 2, "30.00")],
            date="2024-06-01T09:00:00",
        ),
        make_order(
            1200,
            "jd@work.example",
            status="completed",
            currency="EUR",
            total="12.50",
            items=[("<script>window.pwned=1</script>", 1, "12.50")],
            date="2024-05-01T09:00:00",
        ),
    ]
    sign_in(page, live)
    page.goto(live + f"/conversations/{conversation.number}")
    panel = page.locator('.plugin-panel[data-plugin="woocommerce"]')
    expect(panel.locator(".wc-order")).to_have_count(2, timeout=5000)
    expect(panel.locator(".wc-number").first).to_have_text("#1234")
    expect(panel.locator(".wc-status-processing")).to_have_text("Processing")
    # the status colour is WooCommerce's own processing green
    assert (
        panel.locator(".wc-status-processing").evaluate("e => getComputedStyle(e).backgroundColor")
        == "rgb(198, 225, 198)"
    )
    assert page.evaluate("window.pwned") is None  # the product name was shown as text, not run
    expect(panel.locator(".wc-item-name").nth(1)).to_have_text("<script>window.pwned=1</script>")
    page.screenshot(path=str(tmp_path / "panel.png"), full_page=True)

    # refresh in place: the store is asked again and the panel shows the new order
    configured.orders.append(make_order(1300, "john@example.com", customer_id=7, date="2024-07-01T09:00:00"))
    before = len(configured.log)
    panel.locator("[data-wc-refresh]").click()
    expect(panel.locator(".wc-order")).to_have_count(3, timeout=5000)
    assert len(configured.log) > before

    # the editor's "Insert order" opens the popover; a click puts the summary in the reply
    page.locator('button[data-plugin="woocommerce"][data-popover-src]').first.click()
    choice = page.locator(".wc-popover .wc-insert").filter(has_text="#1234")
    expect(choice).to_be_visible(timeout=5000)
    choice.click()
    reply = page.locator("#reply-form textarea").first
    expect(reply).to_have_value(
        "Order #1234 (processing) — 2 × Blue Mug, total €30.00, placed 2024-06-01, shipping: Flat Rate", timeout=3000
    )


def test_hung_store_never_delays_the_conversation(app, admin, configured, conversation, live, browser_page):
    from playwright.sync_api import expect

    page = browser_page
    configured.mode = "hang"
    sign_in(page, live)
    started = time.monotonic()
    page.goto(live + f"/conversations/{conversation.number}", wait_until="domcontentloaded")
    delivered = time.monotonic() - started
    # the conversation is there while the panel is still a loading placeholder
    expect(page.get_by_role("heading", level=1)).to_have_text("Where is my mug?")
    body = page.locator('.plugin-panel[data-plugin="woocommerce"] [data-panel-src]')
    assert body.get_attribute("aria-busy") == "true" or "Loading" in body.inner_text()
    assert delivered < 3.0  # the store hangs for 60 s; the page never waits for it (busy CI: no tighter bound)
    panel = page.locator('.plugin-panel[data-plugin="woocommerce"]')
    try:
        expect(panel.locator('[data-wc-error="timeout"]')).to_contain_text("did not answer within", timeout=6000)
    except AssertionError:
        raise AssertionError(f"panel shows: {panel.inner_text()!r}") from None


def test_admin_tests_the_connection(app, admin, configured, live, browser_page, tmp_path):
    from playwright.sync_api import expect

    page = browser_page
    sign_in(page, live)
    page.goto(live + "/plugins/woocommerce/admin")
    expect(page.locator(".wc-warning").first).to_contain_text("travel in clear")
    page.locator("[data-wc-test]").click()
    expect(page.locator('[data-wc-result="ok"]')).to_contain_text("Works.")
    configured.mode = "no_route"
    page.locator("[data-wc-test]").click()
    expect(page.locator('[data-wc-result="no_route"]')).to_contain_text("rest_no_route")
    page.screenshot(path=str(tmp_path / "admin.png"), full_page=True)
