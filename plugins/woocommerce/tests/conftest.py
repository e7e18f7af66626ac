"""Fixtures for the WooCommerce tests: a fake store on loopback, settings, a customer's conversation,
and a signed-in admin; `configure` and `panel_html` are fixtures too, so test modules import nothing
from here."""

from __future__ import annotations

import pytest
from wc_fakestore import KEY, SECRET, FakeStore

from inbox.extensions import db


def configure(**values) -> None:
    """Store plugin settings as the admin page and `inbox plugins config` do (secret encrypted)."""
    from inbox.plugin_settings import set_value

    for key, value in values.items():
        set_value("woocommerce", key, value)
    db.session.commit()


@pytest.fixture
def store():
    s = FakeStore().start()
    yield s
    s.stop()


@pytest.fixture
def configured(app, store):
    configure(store_url=store.url, consumer_key=KEY, consumer_secret=SECRET, order_count=5, cache_minutes=10)
    return store


@pytest.fixture
def admin(app):
    from inbox.models import User

    user = User(email="admin@support.test", name="Ada Admin", role="admin")
    user.set_password("pw-admin-123")
    db.session.add(user)
    db.session.commit()
    return user


@pytest.fixture
def conversation(app):
    """Conversation #1 from a customer who writes from two addresses."""
    from inbox.models import Conversation, Customer, CustomerEmail, Mailbox

    mb = Mailbox(name="Support", email="support@shop.test")
    customer = Customer(name="John Doe")
    customer.emails.extend([CustomerEmail(email="john@example.com"), CustomerEmail(email="jd@work.example")])
    db.session.add_all([mb, customer])
    db.session.flush()
    conv = Conversation(number=1, mailbox_id=mb.id, subject="Where is my mug?", customer_id=customer.id)
    db.session.add(conv)
    db.session.commit()
    return conv


@pytest.fixture
def signed_in(client, admin):
    with client.session_transaction() as session:
        session["_user_id"] = str(admin.id)
        session["_fresh"] = True
    return client


def panel_html(client, conversation) -> str:
    resp = client.get(f"/conversations/{conversation.id}/panels/woocommerce/orders")
    assert resp.status_code == 200
    return resp.get_data(as_text=True)


@pytest.fixture(name="configure")
def configure_fixture():
    """configure(**values): store plugin settings."""
    return configure


@pytest.fixture(name="panel_html")
def panel_html_fixture():
    """panel_html(client, conversation): the orders panel's HTML (asserts a 200)."""
    return panel_html
