"""In a real browser: a raising plugin and a slow plugin leave the conversation page working,
their panels answer with a message, and a well-behaved plugin's panel still shows."""

from __future__ import annotations

import threading
import time

import pytest
from markupsafe import Markup
from werkzeug.serving import make_server

from inbox import Link, Panel, hookimpl
from inbox.testing.fixtures import make_app

PASSWORD = "correct horse battery"


class Misbehaving:
    PLUGIN_NAME = "misbehaving"

    @hookimpl
    def nav_items(self, user):
        raise RuntimeError("nav exploded")

    @hookimpl
    def sidebar_panels(self, conversation, user):
        def boom(conversation, user):
            raise RuntimeError("panel exploded")

        def slow(conversation, user):
            time.sleep(4)
            return "far too late"

        return [Panel(id="boom", title="Boom panel", render=boom), Panel(id="slow", title="Slow panel", render=slow)]


class Polite:
    PLUGIN_NAME = "polite"

    @hookimpl
    def nav_items(self, user):
        return [Link(label="Polite link", url="/", id="polite-nav")]

    @hookimpl
    def sidebar_panels(self, conversation, user):
        return [
            Panel(
                id="hi",
                title="Polite panel",
                render=lambda conversation, user: Markup("<p id='polite-body'>Customer is {}</p>").format(
                    conversation.customer.name
                ),
            )
        ]


@pytest.fixture
def live(tmp_path, _migrated_template):
    app = make_app(
        str(tmp_path / "instance"),
        _migrated_template,
        EXTRA_PLUGINS=[Misbehaving(), Polite()],
        DISABLE_PLUGINS="all",
        PLUGIN_PANEL_TIMEOUT=1.0,
        WTF_CSRF_ENABLED=True,
    )
    with app.app_context():
        from inbox.extensions import db
        from inbox.models import Conversation, Customer, Mailbox, User

        mailbox = Mailbox(name="Support", email="support@example.test")
        customer = Customer(name="Grace <Hopper>")
        user = User(email="admin@example.test", name="Ada Admin", role="admin")
        user.set_password(PASSWORD)
        db.session.add_all([mailbox, customer, user])
        db.session.flush()
        db.session.add(Conversation(number=42, mailbox_id=mailbox.id, customer_id=customer.id, subject="Broken kettle"))
        db.session.commit()
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield app, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_raising_and_slow_plugins_leave_the_conversation_page_working(live, page):
    from playwright.sync_api import expect

    app, base = live
    page.goto(base + "/login")
    page.fill("#email", "admin@example.test")
    page.fill("#password", PASSWORD)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_load_state()
    started = time.monotonic()
    page.goto(base + "/conversations/42")
    expect(page.get_by_role("heading", name="Broken kettle").first).to_be_visible()
    loaded = time.monotonic() - started
    expect(page.locator("#polite-nav")).to_be_visible()  # the raising nav_items was skipped
    expect(page.locator("#polite-body")).to_have_text("Customer is Grace <Hopper>")
    boom = page.locator("[data-plugin=misbehaving]", has_text="Boom panel")
    expect(boom).to_contain_text("Boom panel could not be shown.")
    slow = page.locator("[data-plugin=misbehaving]", has_text="Slow panel")
    expect(slow).to_contain_text("did not answer within 1 s", timeout=5000)
    assert loaded < 3.0, f"the page waited for a plugin: {loaded:.1f} s"
    with app.app_context():
        from inbox.plugin_host import host

        errors = {row["name"]: row["last_error"] for row in host(app).status()}
    assert "panel exploded" in (errors["misbehaving"] or "") or "nav exploded" in (errors["misbehaving"] or "")
