"""inbox.net, the guarded client for server-side fetches, against real HTTP servers on loopback.

Every attack here is the one finding 14 of the security review describes: a URL, a name or a
redirect that points the server at its own network.
"""

from __future__ import annotations

import gzip
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from inbox import net


class Server:
    """A loopback HTTP server answering every GET from a table path -> (status, headers, body)."""

    def __init__(self, host: str = "127.0.0.1", routes: dict | None = None):
        self.routes = routes or {}
        self.log: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                server.log.append(self.path)
                status, headers, body = server.routes.get(self.path.split("?")[0], (404, {}, b"nope"))
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_POST = do_GET  # noqa: N815

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer((host, 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.url = f"http://{host}:{self.port}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    s = Server(routes={"/hello": (200, {"Content-Type": "text/plain"}, b"hello")})
    yield s
    s.close()


@pytest.fixture
def internal():
    """The 'internal service' an attacker wants to reach: loopback, on another address than the store."""
    s = Server(host="127.0.0.2", routes={"/internal-admin/secret": (200, {}, b"db_password=hunter2")})
    yield s
    s.close()


@pytest.fixture
def listener():
    """A bare TCP listener: proves that a refused fetch did not even open a connection."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(5)
    sock.setblocking(False)
    yield sock
    sock.close()


def _nothing_connected(sock) -> bool:
    try:
        conn, _ = sock.accept()
    except BlockingIOError:
        return True
    conn.close()
    return False


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.9.9.9",
        "10.1.2.3",
        "172.16.0.1",
        "172.31.255.255",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "100.127.255.255",
        "0.0.0.0",
        "224.0.0.1",
        "239.255.255.250",
        "255.255.255.255",
        "::1",
        "::",
        "fc00::1",
        "fd12:3456::1",
        "fe80::1",
        "fe80::1%eth0",
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:169.254.169.254",
        "::ffff:10.0.0.1",
    ],
)
def test_non_public_addresses_are_blocked(address):
    assert net.is_blocked(address)


@pytest.mark.parametrize("address", ["8.8.8.8", "1.1.1.1", "100.128.0.1", "172.32.0.1", "2606:4700:4700::1111"])
def test_public_addresses_pass(address):
    assert not net.is_blocked(address)


def test_allow_list_opens_only_its_networks():
    allowed = net.parse_networks("10.0.5.0/24, 127.0.0.1/32")
    assert not net.is_blocked("10.0.5.7", allowed)
    assert not net.is_blocked("127.0.0.1", allowed)
    assert net.is_blocked("10.0.6.1", allowed)
    assert net.is_blocked("127.0.0.2", allowed)
    assert net.parse_networks(["fd00::/8"])[0].version == 6
    with pytest.raises(ValueError):
        net.parse_networks("10.0.0.0/33")


def test_loopback_blocked_by_default(server, listener):
    with pytest.raises(net.BlockedDestination) as info:
        net.get(server.url + "/hello", allowed_networks=())
    assert info.value.kind == "blocked"
    assert server.log == []
    with pytest.raises(net.BlockedDestination):
        net.get(f"http://127.0.0.1:{listener.getsockname()[1]}/", allowed_networks=())
    assert _nothing_connected(listener)  # refused before connecting, not after


def test_allowed_with_the_allow_list(server):
    resp = net.get(server.url + "/hello", allowed_networks=net.parse_networks("127.0.0.1/32"))
    assert resp.status_code == 200 and resp.text == "hello"
    assert server.log == ["/hello"]


def test_hostname_resolving_to_loopback_is_refused(server, listener):
    port = server.port
    for url in (
        f"http://localhost:{port}/hello",
        f"http://[::ffff:127.0.0.1]:{port}/hello",
        f"http://127.1:{port}/hello",
        f"http://2130706433:{port}/hello",
        f"http://0x7f000001:{port}/hello",
    ):
        with pytest.raises(net.BlockedDestination):
            net.get(url, allowed_networks=())
    assert server.log == []
    with pytest.raises(net.BlockedDestination):
        net.get(f"http://localhost:{listener.getsockname()[1]}/", allowed_networks=())
    assert _nothing_connected(listener)


def test_allow_list_from_app_config(app_factory_with_allow_list, server):
    with app_factory_with_allow_list.app_context():
        assert net.configured_networks() == net.parse_networks("127.0.0.1/32")
        assert net.get(server.url + "/hello").text == "hello"  # None: read from config
    with pytest.raises(net.BlockedDestination):  # outside an app nothing is opened
        net.get(server.url + "/hello")


@pytest.fixture
def app_factory_with_allow_list(tmp_path, _migrated_template):
    from inbox.testing.fixtures import make_app

    return make_app(str(tmp_path / "instance"), _migrated_template, WEBHOOK_ALLOWED_NETWORKS="127.0.0.1/32")


def test_redirect_to_private_address_is_refused(server, internal):
    allowed = net.parse_networks("127.0.0.1/32")  # the store on 127.0.0.1 is allowed, 127.0.0.2 is not
    server.routes["/go"] = (302, {"Location": internal.url + "/internal-admin/secret?via=redirect"}, b"")
    server.routes["/meta"] = (302, {"Location": "http://169.254.169.254/latest/meta-data/"}, b"")
    # Not followed by default: the caller gets the 302 itself.
    resp = net.get(server.url + "/go", allowed_networks=allowed)
    assert resp.status_code == 302 and resp.is_redirect and resp.redirects == 0
    # Followed on request: every hop is checked.
    for path in ("/go", "/meta"):
        with pytest.raises(net.BlockedDestination):
            net.get(server.url + path, allowed_networks=allowed, max_redirects=3)
    assert internal.log == []
    assert "hunter2" not in repr(server.log)


def test_redirect_within_allow_list_followed_up_to_the_limit(server):
    allowed = net.parse_networks("127.0.0.0/8")
    server.routes["/a"] = (302, {"Location": "/b"}, b"")
    server.routes["/b"] = (302, {"Location": "/hello"}, b"")
    server.routes["/loop"] = (302, {"Location": "/loop"}, b"")
    resp = net.get(server.url + "/a", allowed_networks=allowed, max_redirects=2)
    assert resp.text == "hello" and resp.redirects == 2
    with pytest.raises(net.FetchError) as info:
        net.get(server.url + "/a", allowed_networks=allowed, max_redirects=1)
    assert info.value.kind == "redirects"
    server.routes["/file"] = (302, {"Location": "file:///etc/passwd"}, b"")
    with pytest.raises(net.FetchError) as info:
        net.get(server.url + "/file", allowed_networks=allowed, max_redirects=2)
    assert info.value.kind == "url"


def test_response_size_is_capped(server):
    allowed = net.parse_networks("127.0.0.1/32")
    server.routes["/big"] = (200, {}, b"x" * 300_000)
    bomb = gzip.compress(b"\0" * 5_000_000)  # 5 MB unpacked from ~5 KB on the wire
    server.routes["/bomb"] = (200, {"Content-Encoding": "gzip"}, bomb)
    assert len(net.get(server.url + "/big", allowed_networks=allowed).content) == 300_000
    for path in ("/big", "/bomb"):
        with pytest.raises(net.FetchError) as info:
            net.get(server.url + path, allowed_networks=allowed, max_bytes=100_000)
        assert info.value.kind == "too_large"


def test_only_http_urls():
    for url in ("file:///etc/passwd", "gopher://127.0.0.1:70/", "ftp://example.com/", "http://", "http://x:99999/"):
        with pytest.raises(net.FetchError) as info:
            net.get(url, allowed_networks=())
        assert info.value.kind == "url"


def test_errors_are_our_words_not_the_remote_text(server):
    allowed = net.parse_networks("127.0.0.1/32")
    assert net.status_summary(403) == "HTTP 403 Forbidden"
    assert net.status_summary(599) == "HTTP 599"
    assert net.safe_code("woocommerce_rest_cannot_view", ("woocommerce_", "rest_")) == "woocommerce_rest_cannot_view"
    assert net.safe_code("internal_service", ("woocommerce_", "rest_")) is None
    assert net.safe_code("INTERNAL-ONLY DATA: db_password=hunter2") is None
    port = server.port
    server.close()
    with pytest.raises(net.FetchError) as info:
        net.get(f"http://127.0.0.1:{port}/", allowed_networks=allowed)
    assert info.value.kind == "connect" and "127.0.0.1" in info.value.message
    with pytest.raises(net.FetchError) as info:
        net.get("http://no-such-host.invalid/", allowed_networks=allowed)
    assert info.value.kind == "dns"


def test_environment_proxy_is_ignored(server, monkeypatch, listener):
    # A proxy would be the socket's peer, so the address check would be about the proxy, not the target.
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{listener.getsockname()[1]}")
    resp = net.get(server.url + "/hello", allowed_networks=net.parse_networks("127.0.0.1/32"))
    assert resp.text == "hello"
    assert _nothing_connected(listener)


def test_a_session_does_not_follow_redirects_unless_built_to(server, internal):
    allowed = net.parse_networks("127.0.0.0/8")
    server.routes["/go"] = (302, {"Location": internal.url + "/internal-admin/secret"}, b"")
    with net.session(allowed) as s:
        assert s.get(server.url + "/go").status_code == 302  # requests' own default would follow
    assert internal.log == []
    with net.session(allowed, max_redirects=1) as s:
        assert s.get(server.url + "/go").text == "db_password=hunter2"  # allow-listed, and asked for


def test_a_bad_allow_list_fails_at_start_up(tmp_path):
    from inbox import create_app

    with pytest.raises(RuntimeError, match="WEBHOOK_ALLOWED_NETWORKS"):
        create_app(
            {
                "INSTANCE_PATH": str(tmp_path),
                "IGNORE_ENVIRONMENT": True,
                "WEBHOOK_ALLOWED_NETWORKS": "10.0.0.0/8, intranet",
            }
        )
    app = create_app(
        {
            "INSTANCE_PATH": str(tmp_path),
            "IGNORE_ENVIRONMENT": True,
            "WEBHOOK_ALLOWED_NETWORKS": ["10.0.0.0/8", "fd00::/8"],
        }
    )
    with app.app_context():
        assert [str(n) for n in net.configured_networks()] == ["10.0.0.0/8", "fd00::/8"]
