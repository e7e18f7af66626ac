""" "Test connection": each way a store can fail, diagnosed against real sockets on loopback."""

from __future__ import annotations

import socket
import threading
import time

import pytest
from wc_fakestore import KEY, SECRET, make_order

from inbox_plugins.woocommerce.client import Store
from inbox_plugins.woocommerce.diagnose import diagnose


@pytest.fixture
def app_config():
    """The fake store listens on 127.0.0.1, which inbox.net refuses unless allow-listed (finding 14)."""
    return {"WEBHOOK_ALLOWED_NETWORKS": "127.0.0.1/32"}


@pytest.fixture(autouse=True)
def _in_app(app):
    """Every diagnosis runs inside the app, whose config holds the allow-list."""
    return app


def store_at(url: str, **kw) -> Store:
    return Store(url=url, key=KEY, secret=SECRET, **kw)


def test_working_store(store):
    store.orders = [make_order(1, "a@example.com"), make_order(2, "b@example.com")]
    d = diagnose(store_at(store.url))
    assert d.ok and d.kind == "ok"
    assert "orders and customers can be read; the store has 2 orders" in d.message
    assert any("travel in clear" in w for w in d.warnings)  # http, even on loopback, is called out


def test_dns_failure():
    d = diagnose(store_at("https://no-such-shop.invalid"))
    assert (d.ok, d.kind) == (False, "dns")
    assert "no-such-shop.invalid could not be resolved (DNS)" in d.message


def test_tls_error_when_https_meets_a_plain_http_port(store):
    d = diagnose(store_at(f"https://127.0.0.1:{store.port}"))
    assert (d.ok, d.kind) == (False, "tls")
    assert "does not speak HTTPS on that port" in d.message


def test_tls_error_when_certificate_is_not_trusted(tmp_path):
    """A real TLS server with a self-signed certificate: verification fails unless turned off."""
    import ssl
    import subprocess
    from http.server import BaseHTTPRequestHandler, HTTPServer

    cert, key = tmp_path / "c.pem", tmp_path / "k.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            body = b"[]"
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("X-WP-Total", "0")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(str(cert), str(key))
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"https://127.0.0.1:{server.server_address[1]}"
        d = diagnose(store_at(url))
        assert (d.ok, d.kind) == (False, "tls") and "certificate could not be verified" in d.message
        d = diagnose(store_at(url, verify_tls=False))
        assert d.ok and any("verification is off" in w for w in d.warnings)
    finally:
        server.shutdown()
        server.server_close()


def test_bad_keys_401(store):
    d = diagnose(Store(url=store.url, key=KEY, secret="cs_not_the_secret"))
    assert (d.ok, d.kind) == (False, "auth")
    assert (
        "refused the API keys (HTTP 401, woocommerce_rest_cannot_view: Sorry, you cannot list resources.)" in d.message
    )
    assert "cs_not_the_secret" not in d.message


def test_rest_api_disabled_404_rest_no_route(store):
    store.mode = "no_route"
    d = diagnose(store_at(store.url))
    assert (d.ok, d.kind) == (False, "no_route")
    assert "rest_no_route" in d.message and "permalinks" in d.message


def test_wrong_base_url_gives_wordpress_404_page(store):
    d = diagnose(store_at(store.url + "/shop"))  # /shop/wp-json/... is a theme 404 page, not the API
    assert (d.ok, d.kind) == (False, "no_route")
    assert "HTML page" in d.message


def test_non_json_answer(store):
    store.mode = "html"  # e.g. a maintenance or security-plugin page answering 200
    d = diagnose(store_at(store.url))
    assert (d.ok, d.kind) == (False, "not_json")
    assert "HTTP 200 with an HTML page" in d.message


def test_timeout(store):
    store.mode = "hang"
    started = time.monotonic()
    d = diagnose(store_at(store.url))
    assert (d.ok, d.kind) == (False, "timeout")
    assert "did not answer in time" in d.message
    assert time.monotonic() - started < 7  # read timeout 5 s, not the server's 60 s


def test_connection_refused():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    d = diagnose(store_at(f"http://127.0.0.1:{port}"))
    assert (d.ok, d.kind) == (False, "connect") and "refused the connection" in d.message


def test_http_refused_for_remote_hosts_unless_allowed():
    d = diagnose(store_at("http://shop.example.com"))
    assert (d.ok, d.kind) == (False, "config") and "in clear" in d.message


def test_query_string_auth_opt_in(store):
    d = diagnose(store_at(store.url, query_auth=True))
    assert d.ok
    assert all(r["auth"] is None and r["query"]["consumer_key"] == KEY for r in store.log)
    assert any("query string" in w for w in d.warnings)


@pytest.mark.parametrize("mode,expected", [("normal", "Works."), ("no_route", "rest_no_route")])
def test_admin_page_runs_the_test(signed_in, configured, mode, expected):
    configured.mode = mode
    page = signed_in.get("/plugins/woocommerce/admin").get_data(as_text=True)
    assert "Test connection" in page and "set (hidden)" in page
    assert "travel in clear" in page  # http on loopback: warned
    resp = signed_in.post("/plugins/woocommerce/admin")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and expected in html
    assert SECRET not in html and KEY not in html


def test_admin_page_never_shows_the_secret_even_when_wrong(signed_in, configured, configure):
    configure(consumer_secret="cs_typo_in_the_secret")
    html = signed_in.post("/plugins/woocommerce/admin").get_data(as_text=True)
    assert "Does not work." in html and "HTTP 401" in html
    assert "cs_typo_in_the_secret" not in html
