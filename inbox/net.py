"""The one guarded HTTP client for every fetch the server makes on someone else's behalf.

A URL typed by an admin, or a redirect sent by a remote server, must not turn the help desk into a
proxy into its own network (the cloud metadata service, an admin panel on localhost, a database on
10.x). So every connection made here:

* resolves the host, refuses it when ANY of its addresses is loopback, private (RFC 1918),
  link-local, carrier-grade NAT, IPv6 unique-local, unspecified, multicast or otherwise not a
  public unicast address, then connects to an address it checked (pinned) and checks the socket's
  peer again, so DNS rebinding between the check and the connect does not help;
* opens those ranges only for the networks in ``WEBHOOK_ALLOWED_NETWORKS``
  (``INBOX_WEBHOOK_ALLOWED_NETWORKS``, comma-separated CIDRs, e.g. ``10.0.5.0/24,127.0.0.1/32``);
* follows no redirect unless the caller opts in with ``max_redirects``; every hop is a new
  connection through the same check;
* has connect/read timeouts, an overall deadline and a cap on the (decoded) body size;
* ignores proxy and .netrc settings from the environment (the peer must be the real target).

Errors are ``FetchError`` (``BlockedDestination`` for a refused address) whose message is written
here, never copied from the remote side: pass remote answers to ``status_summary``/``safe_code``
before showing anything to a person.
"""

from __future__ import annotations

import ipaddress
import json as jsonlib
import re
import socket
import ssl
import time
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Iterable
from urllib.parse import urlsplit

import requests
from flask import current_app, has_app_context
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError
from urllib3.util import connection as u3connection

from inbox.i18n import gettext as _

CONNECT_TIMEOUT = 3.0
READ_TIMEOUT = 10.0
TOTAL_TIMEOUT = 30.0  # a server dripping one byte per read timeout must still end
MAX_BYTES = 2 * 1024 * 1024
USER_AGENT = "inbox"

# Ranges refused besides everything Python does not call global (is_global covers RFC 1918,
# loopback, link-local, 100.64/10, documentation, benchmarking, fc00::/7...). Listed so the rule
# is visible here and does not depend on one Python version's table.
BLOCKED_NETWORKS = tuple(
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "224.0.0.0/4",
        "240.0.0.0/4",
        "255.255.255.255/32",
        "::/128",
        "::1/128",
        "fc00::/7",
        "fe80::/10",
        "ff00::/8",
    )
)


class FetchError(Exception):
    """A fetch that did not produce a response. ``message`` is ours, safe to show; ``kind`` is one of
    url, blocked, dns, tls, timeout, connect, too_large, redirects."""

    def __init__(self, kind: str, message: str, host: str = ""):
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.host = host


class BlockedDestination(FetchError):
    """The target (or a redirect, or what its name resolves to) is an address we do not connect to."""

    def __init__(self, host: str, address: str = ""):
        super().__init__(
            "blocked",
            _(
                "%(host)s is on a private or local network, which this server does not "
                "connect to (see WEBHOOK_ALLOWED_NETWORKS).",
                host=host or address,
            ),
            host,
        )
        self.address = address


def parse_networks(value: str | Iterable[str] | None) -> tuple:
    """CIDRs from config: a comma/space separated string or a list. Raises ValueError on a bad entry."""
    if not value:
        return ()
    items = re.split(r"[\s,]+", value) if isinstance(value, str) else list(value)
    return tuple(ipaddress.ip_network(str(item).strip(), strict=False) for item in items if str(item).strip())


def configured_networks(config=None) -> tuple:
    """The allow-list from the app's config (WEBHOOK_ALLOWED_NETWORKS); empty outside an app."""
    if config is None:
        if not has_app_context():
            return ()
        config = current_app.config
    return parse_networks(config.get("WEBHOOK_ALLOWED_NETWORKS"))


def _plain(address: str):
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone id
    if ip.version == 6 and ip.ipv4_mapped is not None:  # ::ffff:127.0.0.1 is 127.0.0.1
        ip = ip.ipv4_mapped
    return ip


def is_blocked(address: str, allowed: Iterable = ()) -> bool:
    """True when ``address`` (an IP string) is not a public unicast address and not allow-listed."""
    ip = _plain(address)
    if any(ip in net for net in allowed if net.version == ip.version):
        return False
    if any(ip in net for net in BLOCKED_NETWORKS if net.version == ip.version):
        return True
    return not ip.is_global or ip.is_multicast


@dataclass(frozen=True)
class Policy:
    allowed: tuple = ()

    def check(self, host: str, address: str) -> None:
        if is_blocked(address, self.allowed):
            raise BlockedDestination(host, address)


class _GuardedConnectionMixin:
    """urllib3 connection that resolves, checks every address, connects to a checked one and checks the peer."""

    policy: Policy = Policy()

    def _new_conn(self) -> socket.socket:
        host = self._dns_host
        try:
            infos = socket.getaddrinfo(host, self.port, 0, socket.SOCK_STREAM)
        except socket.gaierror as e:
            raise NameResolutionError(self.host, self, e) from e
        addresses = list(dict.fromkeys(info[4][0] for info in infos))
        for address in addresses:  # one bad answer refuses the name: no trying until one gets in
            self.policy.check(self.host, address)
        last: Exception | None = None
        for address in addresses:
            try:
                sock = u3connection.create_connection(
                    (address, self.port),
                    self.timeout,
                    source_address=self.source_address,
                    socket_options=self.socket_options,
                )
            except socket.timeout as e:
                last = ConnectTimeoutError(
                    self, f"Connection to {self.host} timed out. (connect timeout={self.timeout})"
                )
                last.__cause__ = e
                continue
            except OSError as e:
                last = NewConnectionError(self, f"Failed to establish a new connection: {e}")
                continue
            try:
                self.policy.check(self.host, sock.getpeername()[0])
            except BlockedDestination:
                sock.close()
                raise
            return sock
        raise last or NewConnectionError(self, "no address to connect to")


def _adapter(policy: Policy) -> HTTPAdapter:
    http_conn = type("GuardedHTTPConnection", (_GuardedConnectionMixin, HTTPConnection), {"policy": policy})
    https_conn = type("GuardedHTTPSConnection", (_GuardedConnectionMixin, HTTPSConnection), {"policy": policy})
    pools = {
        "http": type("GuardedHTTPConnectionPool", (HTTPConnectionPool,), {"ConnectionCls": http_conn}),
        "https": type("GuardedHTTPSConnectionPool", (HTTPSConnectionPool,), {"ConnectionCls": https_conn}),
    }
    adapter = HTTPAdapter(max_retries=0)
    adapter.poolmanager.pool_classes_by_scheme = pools
    return adapter


class GuardedSession(requests.Session):
    """Follows redirects only when built with max_redirects > 0, whatever a caller passes."""

    follow_redirects = False

    def send(self, request, **kwargs):
        if not self.follow_redirects:
            kwargs["allow_redirects"] = False
        return super().send(request, **kwargs)


def session(allowed_networks: Iterable | None = None, max_redirects: int = 0) -> requests.Session:
    """A requests Session whose every connection is guarded and that follows at most
    ``max_redirects`` redirects (none by default). Prefer ``fetch``, which also caps the body."""
    policy = Policy(tuple(allowed_networks) if allowed_networks is not None else configured_networks())
    s = GuardedSession()
    s.follow_redirects = max_redirects > 0
    s.trust_env = False  # no HTTP(S)_PROXY (the peer would be the proxy) and no ~/.netrc credentials
    # 0 would make requests raise TooManyRedirects even with allow_redirects=False (it prepares _next).
    s.max_redirects = max(max_redirects, 1)
    s.adapters.clear()
    adapter = _adapter(policy)
    s.mount("http://", adapter)
    s.mount("https://", adapter)
    return s


@dataclass
class Response:
    """The parts of a response a caller needs, with the body already read (and capped)."""

    status_code: int
    headers: CaseInsensitiveDict
    content: bytes
    url: str
    encoding: str | None = None
    redirects: int = 0
    extra: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status_code < 400

    @property
    def is_redirect(self) -> bool:
        return 300 <= self.status_code < 400 and "location" in self.headers

    @property
    def text(self) -> str:
        return self.content.decode(self.encoding or "utf-8", errors="replace")

    def json(self) -> Any:
        return jsonlib.loads(self.content)


def check_url(url: str) -> str:
    """The URL's host, or FetchError when it is not a plain http(s) URL."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        host = None
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not host:
        raise FetchError("url", _("Only http:// and https:// addresses can be fetched."))
    return host


def fetch(
    method: str,
    url: str,
    *,
    allowed_networks: Iterable | None = None,
    params=None,
    headers=None,
    data=None,
    json=None,
    auth=None,
    timeout: tuple[float, float] = (CONNECT_TIMEOUT, READ_TIMEOUT),
    total_timeout: float = TOTAL_TIMEOUT,
    max_bytes: int = MAX_BYTES,
    max_redirects: int = 0,
    verify: bool = True,
) -> Response:
    """Make one guarded request and read at most ``max_bytes`` of its body.

    ``allowed_networks``: CIDRs opened on top of the public internet; None reads the app config.
    ``max_redirects``: 0 returns a 3xx response as it is; N follows up to N hops (each checked).
    Raises FetchError (BlockedDestination for a refused address); never returns remote error text
    in its messages.
    """
    host = check_url(url)
    deadline = time.monotonic() + total_timeout
    sent_headers = {"User-Agent": USER_AGENT, **(headers or {})}
    with session(allowed_networks, max_redirects) as s:
        try:
            resp = s.request(
                method,
                url,
                params=params,
                headers=sent_headers,
                data=data,
                json=json,
                auth=auth,
                timeout=timeout,
                verify=verify,
                allow_redirects=max_redirects > 0,
                stream=True,
            )
            with resp:
                return Response(
                    resp.status_code,
                    resp.headers,
                    _read_capped(resp, max_bytes, deadline, host),
                    resp.url,
                    resp.encoding,
                    len(resp.history),
                )
        except FetchError:
            raise
        except requests.exceptions.TooManyRedirects:
            raise FetchError("redirects", _("%(host)s redirected too many times.", host=host), host) from None
        except requests.exceptions.InvalidSchema:
            raise FetchError(
                "url", _("%(host)s redirected to an address that is not http:// or https://.", host=host), host
            ) from None
        except requests.exceptions.RequestException as exc:
            raise classify(exc, host) from None


def get(url: str, **kwargs) -> Response:
    return fetch("GET", url, **kwargs)


def post(url: str, **kwargs) -> Response:
    return fetch("POST", url, **kwargs)


def _read_capped(resp: requests.Response, max_bytes: int, deadline: float, host: str) -> bytes:
    declared = resp.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise FetchError(
            "too_large", _("%(host)s sent a response larger than %(limit)s bytes.", host=host, limit=max_bytes), host
        )
    chunks, size = [], 0
    for chunk in resp.iter_content(64 * 1024):  # decoded: a gzip bomb counts at its unpacked size
        size += len(chunk)
        if size > max_bytes:
            raise FetchError(
                "too_large",
                _("%(host)s sent a response larger than %(limit)s bytes.", host=host, limit=max_bytes),
                host,
            )
        if time.monotonic() > deadline:
            raise FetchError("timeout", _("%(host)s did not answer in time.", host=host), host)
        chunks.append(chunk)
    return b"".join(chunks)


def _chain(exc: BaseException) -> list[BaseException]:
    chain, cur = [], exc
    while cur is not None and len(chain) < 10:
        chain.append(cur)
        cur = (
            cur.__cause__
            or cur.__context__
            or (cur.args[0] if cur.args and isinstance(cur.args[0], BaseException) else None)
        )
    return chain


def classify(exc: BaseException, host: str) -> FetchError:
    """A FetchError with our own words for a requests/urllib3 failure (the remote text is dropped)."""
    chain = _chain(exc)
    for c in chain:
        if isinstance(c, FetchError):
            return c
    text = " ".join(str(c) for c in chain)
    if isinstance(exc, requests.exceptions.SSLError) or any(isinstance(c, ssl.SSLError) for c in chain):
        return FetchError("tls", tls_reason(text, host), host)
    if (
        isinstance(exc, (requests.exceptions.ConnectTimeout, requests.exceptions.ReadTimeout))
        or "timed out" in text.lower()
    ):
        return FetchError("timeout", _("%(host)s did not answer in time.", host=host), host)
    if (
        any(isinstance(c, (socket.gaierror, NameResolutionError)) for c in chain)
        or "Name or service not known" in text
        or "NameResolutionError" in text
        or "getaddrinfo failed" in text
        or "No address associated" in text
    ):
        return FetchError("dns", _("The name %(host)s could not be resolved (DNS).", host=host), host)
    if "Connection refused" in text:
        return FetchError(
            "connect", _("%(host)s refused the connection (nothing listening on that port?).", host=host), host
        )
    return FetchError("connect", _("Could not connect to %(host)s.", host=host), host)


def tls_reason(text: str, host: str) -> str:
    if "CERTIFICATE_VERIFY_FAILED" in text:
        return _(
            "TLS error talking to %(host)s: its certificate could not be verified "
            "(self-signed, expired or for another name).",
            host=host,
        )
    if "WRONG_VERSION_NUMBER" in text or "record layer failure" in text or "packet length" in text:
        return _("TLS error talking to %(host)s: the server does not speak HTTPS on that port.", host=host)
    return _("TLS error talking to %(host)s: the TLS handshake failed.", host=host)


def status_summary(status: int) -> str:
    """'HTTP 403 Forbidden': the standard phrase, never the reason text the server sent."""
    try:
        return f"HTTP {status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"HTTP {int(status)}"


_CODE = re.compile(r"[a-z][a-z0-9_.-]{0,63}")


def safe_code(value: object, known_prefixes: tuple[str, ...] = ()) -> str | None:
    """A remote error code fit to show: a short lowercase identifier, optionally with a known prefix.

    Anything else (free text, secrets, markup) gives None; show your own words instead.
    """
    text = str(value or "")
    if not _CODE.fullmatch(text):
        return None
    if known_prefixes and not text.startswith(known_prefixes):
        return None
    return text
