"""A small client for the WooCommerce REST API v3 (``/wp-json/wc/v3/``).

Every failure becomes a ``WooError`` whose ``kind`` says what went wrong (dns, tls, auth, no_route,
timeout, not_json, http, connect) and whose message is safe to show: it never contains the keys.
Knows nothing about Flask, so it can run on worker threads.
"""
from __future__ import annotations

import json
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests

from .i18n import _

CONNECT_TIMEOUT = 3.0
READ_TIMEOUT = 5.0
API_PREFIX = "/wp-json/wc/v3/"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}


class WooError(Exception):
    def __init__(self, kind: str, message: str, status: int | None = None, code: str | None = None):
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.status = status
        self.code = code


@dataclass
class Store:
    url: str
    key: str
    secret: str
    verify_tls: bool = True
    query_auth: bool = False
    allow_http: bool = False

    @property
    def base(self) -> str:
        return self.url.rstrip("/")

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or ""

    @property
    def is_http(self) -> bool:
        return urlsplit(self.url).scheme == "http"

    def check(self) -> None:
        """Refuse settings that would send the keys somewhere they should not go."""
        parts = urlsplit(self.url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise WooError("config", _("The store URL must look like https://shop.example.com."))
        if not self.key or not self.secret:
            raise WooError("config", _("The consumer key and secret are not set."))
        if parts.scheme == "http" and not (self.allow_http or parts.hostname in LOCAL_HOSTS):
            raise WooError("config", _("The store URL uses http://, which would send the API keys in clear. "
                                       "Use https:// (http is only accepted for 127.0.0.1 and localhost)."))


class Client:
    """GET requests against one store, each bounded by connect/read timeouts and an overall deadline."""

    def __init__(self, store: Store, deadline: float | None = None):
        self.store = store
        self.deadline = deadline  # time.monotonic() value after which no request starts or waits
        self.requests_made = 0

    def _timeouts(self) -> tuple[float, float]:
        if self.deadline is None:
            return CONNECT_TIMEOUT, READ_TIMEOUT
        left = self.deadline - time.monotonic()
        if left <= 0.05:
            raise WooError("timeout", _("The store did not answer in time."))
        return min(CONNECT_TIMEOUT, left), min(READ_TIMEOUT, left)

    def get(self, path: str, params: dict | None = None) -> tuple[object, requests.structures.CaseInsensitiveDict]:
        """JSON body and headers of GET <store>/wp-json/wc/v3/<path>."""
        self.store.check()
        params = dict(params or {})
        auth = None
        if self.store.query_auth:
            params.update(consumer_key=self.store.key, consumer_secret=self.store.secret)
        else:
            auth = (self.store.key, self.store.secret)
        url = self.store.base + API_PREFIX + path.lstrip("/")
        self.requests_made += 1
        try:
            resp = requests.get(url, params=params, auth=auth, timeout=self._timeouts(),
                                verify=self.store.verify_tls, allow_redirects=True,
                                headers={"Accept": "application/json", "User-Agent": "inbox-woocommerce/1"})
        except requests.exceptions.SSLError as exc:
            raise WooError("tls", _tls_message(self.store, exc)) from None
        except (requests.exceptions.ConnectTimeout, requests.exceptions.ReadTimeout):
            raise WooError("timeout", _("%(host)s did not answer in time (waited %(connect)s s to connect, %(read)s s "
                                        "for a reply).", host=self.store.host, connect=format(CONNECT_TIMEOUT, "g"),
                                        read=format(READ_TIMEOUT, "g"))) from None
        except requests.exceptions.ConnectionError as exc:
            raise _connection_error(self.store, exc) from None
        except requests.exceptions.RequestException as exc:
            raise WooError("connect", _("Could not reach %(host)s: %(error)s.", host=self.store.host,
                                         error=type(exc).__name__)) from None
        return _decode(self.store, resp), resp.headers

    def get_pages(self, path: str, params: dict, want: int, keep=lambda item: True,
                  max_pages: int = 10) -> tuple[list[dict], int | None]:
        """Items from successive pages until ``want`` kept items, the last page (X-WP-TotalPages) or max_pages.

        Returns (kept items, X-WP-Total of the first page or None).
        """
        kept: list[dict] = []
        total = None
        page = 1
        while True:
            body, headers = self.get(path, {**params, "page": page})
            if not isinstance(body, list):
                raise WooError("not_json", _("%(path)s did not return a list.", path=path))
            if page == 1:
                total = _int(headers.get("X-WP-Total"))
            kept.extend(item for item in body if isinstance(item, dict) and keep(item))
            pages = _int(headers.get("X-WP-TotalPages"))
            if len(kept) >= want or not body or page >= (pages or 1) or page >= max_pages:
                return kept, total
            page += 1


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _decode(store: Store, resp: requests.Response) -> object:
    ctype = resp.headers.get("Content-Type", "")
    try:
        body = resp.json()
    except (ValueError, json.JSONDecodeError):
        body = None
    if isinstance(body, dict) and resp.status_code >= 400 and "code" in body:
        raise _api_error(store, resp.status_code, str(body.get("code")), str(body.get("message") or ""))
    if body is None:
        looks_html = "html" in ctype or resp.text.lstrip()[:15].lower().startswith(("<!doctype", "<html"))
        what = _("an HTML page (probably a WordPress or server page)") if looks_html \
            else f"'{ctype}'" if ctype else _("no content type")
        if resp.status_code == 404:
            raise WooError("no_route", _("%(url)s answered 404 with %(what)s: the WordPress REST API is not reachable "
                                         "at this URL. Check the store URL and that permalinks are not set to 'Plain' "
                                         "(Settings > Permalinks).", url=store.base + "/wp-json/", what=what), status=404)
        raise WooError("not_json", _("The store answered HTTP %(status)s with %(what)s instead of JSON. Check the store "
                                     "URL; a security plugin, cache or maintenance mode may be in the way.",
                                     status=resp.status_code, what=what),
                       status=resp.status_code)
    if resp.status_code >= 400:
        raise WooError("http", _("The store answered HTTP %(status)s.", status=resp.status_code), status=resp.status_code)
    return body


def _api_error(store: Store, status: int, code: str, message: str) -> WooError:
    if status in (401, 403) or code.startswith(("woocommerce_rest_authentication", "woocommerce_rest_cannot")):
        hint = _("The consumer key or secret is wrong, revoked, or lacks Read permission "
                 "(WooCommerce > Settings > Advanced > REST API).")
        if not store.query_auth and code == "woocommerce_rest_authentication_error":
            hint = _("%(hint)s If the keys are right, the web server may drop the Authorization header: try "
                     "query-string auth.", hint=hint)
        return WooError("auth", _("The store refused the API keys (HTTP %(status)s, %(code)s: %(message)s). %(hint)s",
                                  status=status, code=code, message=message, hint=hint),
                        status=status, code=code)
    if code == "rest_no_route" or status == 404:
        return WooError("no_route", _("The store has no WooCommerce REST API v3 route (HTTP %(status)s, %(code)s). "
                                      "Is WooCommerce active and up to date, and are permalinks set to something "
                                      "other than 'Plain'?", status=status, code=code), status=status, code=code)
    return WooError("http", _("The store answered HTTP %(status)s (%(code)s: %(message)s).", status=status, code=code,
                              message=message), status=status, code=code)


def _tls_message(store: Store, exc: Exception) -> str:
    text = str(exc)
    if "CERTIFICATE_VERIFY_FAILED" in text:
        why = _("its certificate could not be verified (self-signed, expired or for another name)")
    elif "WRONG_VERSION_NUMBER" in text or "record layer failure" in text or "packet length" in text:
        why = _("the server does not speak HTTPS on that port")
    else:
        why = _("the TLS handshake failed")
    return _("TLS error talking to %(host)s: %(why)s.", host=store.host, why=why)


def _connection_error(store: Store, exc: Exception) -> WooError:
    chain, cur = [], exc
    while cur is not None and len(chain) < 10:
        chain.append(cur)
        cur = cur.__cause__ or cur.__context__ or (cur.args[0] if cur.args and isinstance(cur.args[0], BaseException) else None)
    text = " ".join(str(c) for c in chain)
    if any(isinstance(c, socket.gaierror) for c in chain) or "Name or service not known" in text \
            or "NameResolutionError" in text or "getaddrinfo failed" in text or "No address associated" in text:
        return WooError("dns", _("The name %(host)s could not be resolved (DNS). Check the store URL.", host=store.host))
    if any(isinstance(c, ssl.SSLError) for c in chain):
        return WooError("tls", _tls_message(store, exc))
    if "timed out" in text.lower():
        return WooError("timeout", _("%(host)s did not answer in time.", host=store.host))
    if "Connection refused" in text:
        return WooError("connect", _("%(host)s refused the connection (nothing listening on that port?).",
                                     host=store.host))
    return WooError("connect", _("Could not connect to %(host)s.", host=store.host))
