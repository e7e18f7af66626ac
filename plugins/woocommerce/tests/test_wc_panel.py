"""The sidebar panel and the reply popover against a real HTTP store on loopback."""

from __future__ import annotations

import re
import time
from html.parser import HTMLParser

import pytest
from wc_fakestore import KEY, SECRET, make_customer, make_order


@pytest.fixture
def app_config():
    """The fake store listens on 127.0.0.1, which inbox.net refuses unless allow-listed (finding 14)."""
    return {"WEBHOOK_ALLOWED_NETWORKS": "127.0.0.1/32"}


def order_ids(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'data-order-id="(\d+)"', html)]


class InsertCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.values: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name == "data-insert":
                self.values.append(value)


def test_orders_from_every_address_merged_newest_first(signed_in, configured, conversation, panel_html):
    store = configured
    store.customers = [make_customer(7, "john@example.com"), make_customer(8, "someone@else.example")]
    store.orders = [
        make_order(101, "john@example.com", customer_id=7, date="2024-01-10T10:00:00"),
        make_order(102, "john@example.com", customer_id=7, date="2024-03-01T10:00:00"),
        make_order(201, "jd@work.example", date="2024-02-15T10:00:00"),  # guest, second address
        make_order(202, "JOHN@example.com", date="2023-12-01T10:00:00"),  # guest before registering
        make_order(301, "other@example.com", note="my friend john@example.com recommended you"),
        make_order(401, "someone@else.example", customer_id=8, date="2024-04-01T10:00:00"),
    ]
    html = panel_html(signed_in, conversation)
    # 102 is found both as customer 7's order and by the search: shown once
    assert order_ids(html) == [102, 201, 101, 202]
    assert "No orders" not in html
    # customers are looked up with role=all, orders newest first by date
    lookups = store.requests_to("/customers")
    assert {r["query"]["email"] for r in lookups} == {"john@example.com", "jd@work.example"}
    assert all(r["query"]["role"] == "all" for r in lookups)
    by_customer = [r for r in store.requests_to("/orders") if "customer" in r["query"]]
    assert [r["query"]["customer"] for r in by_customer] == ["7"]
    assert by_customer[0]["query"]["orderby"] == "date" and by_customer[0]["query"]["order"] == "desc"
    searches = {r["query"]["search"] for r in store.requests_to("/orders") if "search" in r["query"]}
    assert searches == {"john@example.com", "jd@work.example"}
    # HTTP Basic, never keys in the URL
    assert all(r["auth"] and r["auth"].startswith("Basic ") for r in store.log)
    assert not any("consumer_key" in r["query"] for r in store.log)


def test_order_details_shown(signed_in, configured, conversation, panel_html):
    configured.customers = [make_customer(7, "john@example.com", orders_count=12, total_spent="1234.50")]
    configured.orders = [
        make_order(
            1234,
            "john@example.com",
            customer_id=7,
            status="on-hold",
            currency="EUR",
            total="30.00",
            items=[("Blue Mug", 2, "20.00"), ("Ship Your Idea &ndash; Color: Black", 1, "10.00")],
            method="DHL Express",
            refunds=[(55, "Chipped handle", "-5.00")],
            note="Please gift wrap",
        )
    ]
    html = panel_html(signed_in, conversation)
    assert f"{configured.url}/wp-admin/post.php?post=1234&amp;action=edit" in html
    assert 'class="wc-status wc-status-on-hold"' in html and "On hold" in html
    assert "€30.00" in html and "2024-03-22" in html
    assert "Blue Mug</span> × 2" in html
    assert "Ship Your Idea – Color: Black" in html  # entity from the API decoded once, not shown as &amp;ndash;
    assert "DHL Express" in html and "969 Market" in html and "94103 San Francisco" in html
    assert "Refunded €5.00: Chipped handle" in html
    assert "Please gift wrap" in html
    assert "<strong>12</strong> orders" in html and "€1,234.50" in html


def test_hpos_links_when_chosen(signed_in, configured, conversation, configure, panel_html):
    configure(order_link="hpos")
    configured.customers = [make_customer(7, "john@example.com")]
    configured.orders = [make_order(77, "john@example.com", customer_id=7)]
    html = panel_html(signed_in, conversation)
    assert f"{configured.url}/wp-admin/admin.php?page=wc-orders&amp;action=edit&amp;id=77" in html


def test_pagination_follows_total_pages_only_as_far_as_needed(signed_in, configured, conversation, panel_html):
    store = configured
    store.max_per_page = 2  # the host caps pages at 2 orders whatever per_page asks
    store.customers = [make_customer(7, "john@example.com")]
    store.orders = [
        make_order(500 + n, "john@example.com", customer_id=7, date=f"2024-01-{n + 1:02d}T10:00:00") for n in range(9)
    ]
    html = panel_html(signed_in, conversation)
    assert order_ids(html) == [508, 507, 506, 505, 504]  # order_count is 5
    pages = [r["query"]["page"] for r in store.requests_to("/orders") if r["query"].get("customer") == "7"]
    assert pages == ["1", "2", "3"]  # 5 orders need 3 pages of 2; pages 4 and 5 are never asked for
    # the guest search also pages until it has 5 matches for john@ (all 9 match; 3 pages)
    search_pages = [
        r["query"]["page"] for r in store.requests_to("/orders") if r["query"].get("search") == "john@example.com"
    ]
    assert search_pages == ["1", "2", "3"]


def test_guest_search_pages_past_non_matching_results(signed_in, configured, conversation, panel_html):
    store = configured
    store.max_per_page = 3
    # newest 6 orders only mention the address in a note; the customer's own guest order is older
    store.orders = [
        make_order(600 + n, "x@example.org", note="forwarded by jd@work.example", date=f"2024-05-{n + 1:02d}T10:00:00")
        for n in range(6)
    ]
    store.orders.append(make_order(700, "jd@work.example", date="2024-01-01T10:00:00"))
    html = panel_html(signed_in, conversation)
    assert order_ids(html) == [700]


def test_cache_hit_then_refresh(signed_in, configured, conversation, panel_html):
    store = configured
    store.customers = [make_customer(7, "john@example.com")]
    store.orders = [make_order(101, "john@example.com", customer_id=7)]
    first = panel_html(signed_in, conversation)
    seen = len(store.log)
    assert seen > 0 and order_ids(first) == [101]
    store.orders.append(make_order(102, "john@example.com", customer_id=7, date="2025-01-01T10:00:00"))
    second = panel_html(signed_in, conversation)
    assert len(store.log) == seen  # served from the cache: the store saw no request
    assert order_ids(second) == [101] and "Cached" in second
    resp = signed_in.post(
        f"/plugins/woocommerce/conversations/{conversation.id}/refresh",
        headers={"Referer": "http://localhost/conversations/1"},
    )
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/conversations/1")
    third = panel_html(signed_in, conversation)
    assert len(store.log) > seen and order_ids(third) == [102, 101]
    # the in-place refresh (the panel URL with ?refresh=1) bypasses the cache too
    store.orders.append(make_order(103, "john@example.com", customer_id=7, date="2025-02-01T10:00:00"))
    before = len(store.log)
    resp = signed_in.get(f"/conversations/{conversation.id}/panels/woocommerce/orders?refresh=1")
    assert len(store.log) > before and order_ids(resp.get_data(as_text=True)) == [103, 102, 101]


def test_cache_shared_through_database(app, signed_in, configured, conversation, panel_html):
    """A second app on the same database (another gunicorn worker) answers from the first one's fetch."""
    from inbox.testing.fixtures import make_app

    configured.customers = [make_customer(7, "john@example.com")]
    configured.orders = [make_order(101, "john@example.com", customer_id=7)]
    assert order_ids(panel_html(signed_in, conversation)) == [101]
    seen = len(configured.log)
    other = make_app(app.instance_path)
    other_client = other.test_client()
    with other_client.session_transaction() as session:
        session["_user_id"] = "1"
    with other.app_context():
        html = other_client.get(f"/conversations/{conversation.id}/panels/woocommerce/orders").get_data(as_text=True)
    assert order_ids(html) == [101] and len(configured.log) == seen


def test_empty_state(signed_in, configured, conversation, panel_html):
    html = panel_html(signed_in, conversation)
    assert "No orders for these addresses: jd@work.example, john@example.com." in html


def test_hanging_store_gives_a_timeout_message_within_the_panel_limit(signed_in, configured, conversation, panel_html):
    configured.mode = "hang"
    started = time.monotonic()
    html = panel_html(signed_in, conversation)
    elapsed = time.monotonic() - started
    assert elapsed < 3.0  # PLUGIN_PANEL_TIMEOUT is 3 s; the plugin gives up at 2.4 s with its own message
    assert 'data-wc-error="timeout"' in html and "did not answer within 2.4 s" in html


def test_wrong_keys_explained_without_leaking_them(signed_in, configured, conversation, configure, panel_html):
    configure(consumer_secret="cs_wrong_secret_value_123")
    html = panel_html(signed_in, conversation)
    assert 'data-wc-error="auth"' in html
    assert "refused the API keys (HTTP 401, woocommerce_rest_cannot_view" in html
    assert "cs_wrong_secret_value_123" not in html and KEY not in html and SECRET not in html
    assert "Traceback" not in html


def test_markup_in_store_data_is_escaped(signed_in, configured, conversation, panel_html):
    configured.customers = [make_customer(7, "john@example.com")]
    configured.orders = [
        make_order(
            9,
            "john@example.com",
            customer_id=7,
            note='<img src=x onerror="alert(2)">',
            items=[("<script>alert(1)</script>", 1, "5.00")],
            method="<b>Fast</b>",
        )
    ]
    html = panel_html(signed_in, conversation)
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html and "&lt;img src=x" in html
    assert "<b>Fast" not in html
    popover = signed_in.get(f"/plugins/woocommerce/conversations/{conversation.id}/orders").get_data(as_text=True)
    assert "<script>alert(1)" not in popover
    parser = InsertCollector()
    parser.feed(popover)
    assert parser.values and "1 × <script>alert(1)</script>" in parser.values[0]  # the text itself, once decoded


def test_popover_lists_insertable_summaries(signed_in, configured, conversation):
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
            items=[("Tea", 1, "2.50")],
            refunds=[(3, "", "-2.50")],
            date="2024-05-01T09:00:00",
        ),
    ]
    resp = signed_in.get(f"/plugins/woocommerce/conversations/{conversation.id}/orders")
    assert resp.status_code == 200
    parser = InsertCollector()
    parser.feed(resp.get_data(as_text=True))
    assert parser.values == [
        "Order #1234 (processing) — 2 × Blue Mug, total €30.00, placed 2024-06-01, shipping: Flat Rate",
        "Order #1200 (completed) — 1 × Tea, total €12.50, placed 2024-05-01, shipping: Flat Rate, refunded €2.50",
    ]


def test_editor_button_points_at_the_popover(app, signed_in, configured, conversation):
    from flask_login import login_user

    from inbox.plugin_host import host

    with app.test_request_context("/"):
        login_user(db_user(app))
        links = host().call_flat("editor_buttons", conversation=conversation, user=None)
    mine = [link for link in links if link.id == "woocommerce-insert-order"]
    assert mine and mine[0].url == f"/plugins/woocommerce/conversations/{conversation.id}/orders"


def db_user(app):
    from inbox.extensions import db
    from inbox.models import User

    return db.session.execute(db.select(User)).scalars().first()


def test_not_configured_and_no_customer(signed_in, app, conversation, panel_html):
    html = panel_html(signed_in, conversation)
    assert "WooCommerce is not set up yet." in html and "/plugins/woocommerce/admin" in html
    from inbox.extensions import db
    from inbox.plugin_host import host

    conversation.customer_id = None
    db.session.commit()
    panels = host().call_flat("sidebar_panels", conversation=conversation, user=None)
    assert not [p for p in panels if p.id == "orders" and p.title.startswith("WooCommerce")]


def test_agents_without_access_get_404(app, client, configured, conversation):
    from inbox.extensions import db
    from inbox.models import User

    agent = User(email="agent@support.test", name="Al Agent", role="agent")
    db.session.add(agent)
    db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = str(agent.id)
    assert client.get(f"/plugins/woocommerce/conversations/{conversation.id}/orders").status_code == 404
    assert client.post(f"/plugins/woocommerce/conversations/{conversation.id}/refresh").status_code == 404
    assert client.get("/plugins/woocommerce/admin").status_code == 404
    assert configured.log == []


def test_agents_see_the_panel_only_once_configured(app, store, conversation, configure):
    from inbox.extensions import db
    from inbox.models import User
    from inbox.plugin_host import host

    agent = User(email="agent2@support.test", name="Al Agent", role="agent")
    agent.mailboxes.append(conversation.mailbox)
    db.session.add(agent)
    db.session.commit()

    def titles():
        return [p.title for p in host().call_flat("sidebar_panels", conversation=conversation, user=agent)]

    assert "WooCommerce orders" not in titles()
    configure(store_url=store.url, consumer_key=KEY, consumer_secret=SECRET)
    assert "WooCommerce orders" in titles()


def test_template_variables_come_from_the_cache_only(signed_in, configured, conversation, panel_html):
    from inbox.plugin_host import host

    def variables():
        merged = {}
        for result in host().call("template_variables", conversation=conversation, user=None):
            merged.update(result)
        return merged.get("woocommerce")

    configured.customers = [make_customer(7, "john@example.com")]
    configured.orders = [make_order(1234, "john@example.com", customer_id=7)]
    assert variables() is None and configured.log == []  # nothing fetched yet, and nothing asked
    panel_html(signed_in, conversation)
    seen = len(configured.log)
    woo = variables()
    assert woo["last_order"]["number"] == "1234" and [o["id"] for o in woo["orders"]] == [1234]
    assert len(configured.log) == seen
