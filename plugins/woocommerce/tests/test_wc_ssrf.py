"""Finding 14 of the security review: a store that redirects, or answers with internal text, must
not turn "Test connection" and the panel into a window on the server's own network."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from wc_fakestore import KEY, SECRET

from inbox import net
from inbox_plugins.woocommerce.client import Store
from inbox_plugins.woocommerce.diagnose import diagnose

SECRET_TEXT = "INTERNAL-ONLY DATA: db_password=hunter2"


@pytest.fixture
def app_config():
    return {"WEBHOOK_ALLOWED_NETWORKS": "127.0.0.1/32"}  # the "store" below; 127.0.0.2 stays closed


@pytest.fixture(autouse=True)
def _in_app(app):
    return app


class Listener:
    """A loopback HTTP server that answers every request with one fixed (status, headers, body)."""

    def __init__(self, host: str, status: int, headers: dict, body: bytes):
        self.log: list[str] = []
        me = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                me.log.append(self.path)
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer((host, 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://{host}:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def _internal_error() -> bytes:
    return json.dumps({"code": "internal_service", "message": SECRET_TEXT, "data": {"status": 403}}).encode()


@pytest.fixture
def internal():
    s = Listener("127.0.0.2", 403, {"Content-Type": "application/json"}, _internal_error())
    yield s
    s.close()


def test_redirect_to_an_internal_service_is_not_followed(internal):
    store = Listener("127.0.0.1", 302, {"Location": internal.url + "/internal-admin/secret?via=redirect"}, b"")
    try:
        d = diagnose(Store(url=store.url, key=KEY, secret=SECRET))
    finally:
        store.close()
    assert (d.ok, d.kind) == (False, "redirect")
    assert "HTTP 302 Found" in d.message
    assert internal.log == []  # the internal listener never saw a request
    assert "hunter2" not in d.message and "internal" not in d.message


def test_remote_error_text_is_never_shown():
    store = Listener("127.0.0.1", 403, {"Content-Type": "application/json"}, _internal_error())
    try:
        d = diagnose(Store(url=store.url, key=KEY, secret=SECRET))
    finally:
        store.close()
    assert (d.ok, d.kind) == (False, "auth") and "HTTP 403" in d.message
    assert "hunter2" not in d.message and "INTERNAL" not in d.message and "internal_service" not in d.message


def test_loopback_store_refused_without_the_allow_list():
    store = Listener("127.0.0.1", 200, {"Content-Type": "application/json"}, b"[]")
    try:
        d = diagnose(Store(url=store.url, key=KEY, secret=SECRET, allowed_networks=()))
    finally:
        store.close()
    assert (d.ok, d.kind) == (False, "blocked") and "INBOX_WEBHOOK_ALLOWED_NETWORKS" in d.message
    assert store.log == []


@pytest.mark.parametrize(
    "url",
    [
        "https://169.254.169.254",
        "https://[::ffff:169.254.169.254]",
        "https://10.0.0.1",
        "https://127.0.0.2",
        "https://[fd00::1]",
    ],
)
def test_metadata_and_private_addresses_refused_before_connecting(url):
    d = diagnose(Store(url=url, key=KEY, secret=SECRET))
    assert (d.ok, d.kind) == (False, "blocked")


def test_settings_carry_the_configured_allow_list(app):
    from inbox_plugins.woocommerce.settings import load

    assert load().store.allowed_networks == net.parse_networks("127.0.0.1/32")


def test_a_hostile_content_type_is_not_shown():
    store = Listener("127.0.0.1", 500, {"Content-Type": "text/x-secret; db_password=hunter2"}, b"not json")
    odd = Listener("127.0.0.1", 500, {"Content-Type": "INTERNAL db_password=hunter2"}, b"not json")
    try:
        plain_type = diagnose(Store(url=store.url, key=KEY, secret=SECRET))
        odd_type = diagnose(Store(url=odd.url, key=KEY, secret=SECRET))
    finally:
        store.close()
        odd.close()
    assert plain_type.kind == "not_json" and "'text/x-secret'" in plain_type.message
    assert odd_type.kind == "not_json" and "unrecognised content type" in odd_type.message
    assert "hunter2" not in plain_type.message + odd_type.message
