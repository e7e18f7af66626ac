"""Runs with `pytest`: a real app on a throwaway SQLite database (inbox.testing.fixtures)."""

import inbox_hello
import pytest

from inbox.extensions import db
from inbox.models import Conversation, Customer, Mailbox, User
from inbox.plugin_host import host


@pytest.fixture
def app_config():
    # loads the plugin even when it is not pip-installed; the same module is never loaded twice
    return {"EXTRA_PLUGINS": [inbox_hello]}


def test_sidebar_panel_greets_the_customer(app):
    mailbox = Mailbox(name="Support", email="support@example.test")
    customer = Customer(name="Ada")
    user = User(email="agent@example.test", name="Grace Hopper", role="admin")
    db.session.add_all([mailbox, customer, user])
    db.session.flush()
    conv = Conversation(number=1, mailbox_id=mailbox.id, customer_id=customer.id, subject="Hi")
    db.session.add(conv)
    db.session.commit()

    panels = host(app).call_flat("sidebar_panels", conversation=conv, user=user)
    panel = next(p for p in panels if p.id == "greeting")
    assert panel.render(conv, user) == "Hello, Ada! (from Grace Hopper)"


def test_command_uses_the_setting(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["hello", "Bob"]).output == "Hello, Bob!\n"
    result = runner.invoke(args=["plugins", "config", "hello", "greeting=Howdy"])
    assert result.exit_code == 0, result.output
    assert runner.invoke(args=["hello", "Bob"]).output == "Howdy, Bob!\n"
