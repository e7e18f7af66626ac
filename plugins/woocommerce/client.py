"""A small client for the WooCommerce REST API v3 (``/wp-json/wc/v3/``).

Every failure becomes a ``WooError`` whose ``kind`` says what went wrong (dns, tls, auth, no_route,
timeout, not_json, http, connect) and whose message is safe to show: it never contains the keys.
Knows nothing about Flask, so it can run on worker threads.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from requests.structures import CaseInsensitiveDict

from inbox import net

from .i18n import _

CONNECT_TIMEOUT = 3.0
READ_TIMEOUT = 5.0
API_PREFIX = "/wp-json/wc/v3/"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
MAX_RESPONSE_BYTES = 8 * 1024 * 1024  # 100 full orders are well under 1 MB
# Error codes WooCommerce and the WordPress REST API document, with our own words for each: the
# store's "message" is never shown (finding 14: a store, or what it redirects to, chooses that text).
KNOWN_CODES = {
    "woocommerce_rest_cannot_view": "Sorry, you cannot list resources.",
    "woocommerce_rest_authentication_error": "The consumer key or signature was not accepted.",
    "woocommerce_rest_authentication_missing": "No credentials reached WooCommerce.",
    "rest_no_route": "No route was found matching the URL and request method.",
    "rest_invalid_param": "Invalid parameter(s).",
    "rest_forbidden": "Sorry, you are not allowed to do that.",
}
CODE_PREFIXES = ("woocommerce_", "rest_", "json_")


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
    # Networks inbox.net may connect to besides public ones; None: the app's WEBHOOK_ALLOWED_NETWORKS.
    allowed_networks: tuple | None = None

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
            raise WooError(
                "config",
                _(
                    "The store URL uses http://, which would send the API keys in clear. "
                    "Use https:// (http is only accepted for 127.0.0.1 and localhost)."
                ),
            )


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

    def get(self, path: str, params: dict | None = None) -> tuple[object, CaseInsensitiveDict]:
        """JSON body and headers of GET <store>/wp-json/wc/v3/<path>.

        Through inbox.net: no private/loopback address unless WEBHOOK_ALLOWED_NETWORKS opens it, and no
        redirect is followed (a store that redirects could point this server at its own network).
        """
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
            resp = net.get(
                url,
                params=params,
                auth=auth,
                timeout=self._timeouts(),
                verify=self.store.verify_tls,
                allowed_networks=self.store.allowed_networks,
                max_bytes=MAX_RESPONSE_BYTES,
                max_redirects=0,
                headers={"Accept": "application/json", "User-Agent": "inbox-woocommerce/1"},
            )
        except net.FetchError as exc:
            raise _fetch_error(self.store, exc) from None
        return _decode(self.store, resp), resp.headers

    def get_pages(
        self, path: str, params: dict, want: int, keep=lambda item: True, max_pages: int = 10
    ) -> tuple[list[dict], int | None]:
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


def _decode(store: Store, resp: net.Response) -> object:
    ctype = resp.headers.get("Content-Type", "")
    if resp.is_redirect:
        raise WooError(
            "redirect",
            _(
                "The store URL answers with a redirect (%(status)s), which is not followed. "
                "Enter the address the store's REST API really lives at (https://, with or "
                "without www).",
                status=net.status_summary(resp.status_code),
            ),
            status=resp.status_code,
        )
    try:
        body = resp.json()
    except (ValueError, json.JSONDecodeError):
        body = None
    if isinstance(body, dict) and resp.status_code >= 400 and "code" in body:
        raise _api_error(store, resp.status_code, str(body.get("code")), str(body.get("message") or ""))
    if body is None:
        looks_html = "html" in ctype or resp.text.lstrip()[:15].lower().startswith(("<!doctype", "<html"))
        what = _("an HTML page (probably a WordPress or server page)") if looks_html else f"'{_media_type(ctype)}'"
        if resp.status_code == 404:
            raise WooError(
                "no_route",
                _(
                    "%(url)s answered 404 with %(what)s: the WordPress REST API is not reachable "
                    "at this URL. Check the store URL and that permalinks are not set to 'Plain' "
                    "(Settings > Permalinks).",
                    url=store.base + "/wp-json/",
                    what=what,
                ),
                status=404,
            )
        raise WooError(
            "not_json",
            _(
                "The store answered HTTP %(status)s with %(what)s instead of JSON. Check the store "
                "URL; a security plugin, cache or maintenance mode may be in the way.",
                status=resp.status_code,
                what=what,
            ),
            status=resp.status_code,
        )
    if resp.status_code >= 400:
        raise WooError(
            "http", _("The store answered HTTP %(status)s.", status=resp.status_code), status=resp.status_code
        )
    return body


def _media_type(ctype: str) -> str:
    """The media type of a Content-Type header, or a placeholder: the header is remote text."""
    media = ctype.split(";", 1)[0].strip().lower()
    if re.fullmatch(r"[a-z0-9][a-z0-9.+-]{0,40}/[a-z0-9][a-z0-9.+-]{0,60}", media):
        return media
    return _("no content type") if not media else _("an unrecognised content type")


def _api_error(store: Store, status: int, code: str, message: str) -> WooError:
    """Our words for an error answer. ``message`` (remote text) is deliberately not used: only a
    documented code gets its documented wording, from our table, and an unknown code is not shown."""
    shown = net.safe_code(code, CODE_PREFIXES)
    what = f"{shown}: {KNOWN_CODES[shown]}" if shown in KNOWN_CODES else (shown or _("unexpected error code"))
    if status in (401, 403) or code.startswith(("woocommerce_rest_authentication", "woocommerce_rest_cannot")):
        hint = _(
            "The consumer key or secret is wrong, revoked, or lacks Read permission "
            "(WooCommerce > Settings > Advanced > REST API)."
        )
        if not store.query_auth and code == "woocommerce_rest_authentication_error":
            hint += " " + _(
                "If the keys are right, the web server may drop the Authorization header: try query-string auth."
            )
        return WooError(
            "auth",
            _(
                "The store refused the API keys (HTTP %(status)s, %(what)s). %(hint)s",
                status=int(status),
                what=what,
                hint=hint,
            ),
            status=status,
            code=shown,
        )
    if code == "rest_no_route" or status == 404:
        return WooError(
            "no_route",
            _(
                "The store has no WooCommerce REST API v3 route (HTTP %(status)s, %(code)s). "
                "Is WooCommerce active and up to date, and are permalinks set to something "
                "other than 'Plain'?",
                status=int(status),
                code=shown or _("unexpected error code"),
            ),
            status=status,
            code=shown,
        )
    return WooError(
        "http",
        _("The store answered %(status)s (%(what)s).", status=net.status_summary(status), what=what),
        status=status,
        code=shown,
    )


def _fetch_error(store: Store, exc: net.FetchError) -> WooError:
    """A WooError for a request that got no answer; inbox.net's messages hold no remote text."""
    host = store.host
    if exc.kind == "blocked":
        return WooError(
            "blocked",
            _(
                "%(host)s is on a private or local network. The server connects to such "
                "addresses only when an administrator lists them in "
                "INBOX_WEBHOOK_ALLOWED_NETWORKS.",
                host=host,
            ),
        )
    if exc.kind == "timeout":
        return WooError(
            "timeout",
            _(
                "%(host)s did not answer in time (waited %(connect)s s to connect, %(read)s s for a reply).",
                host=host,
                connect=format(CONNECT_TIMEOUT, "g"),
                read=format(READ_TIMEOUT, "g"),
            ),
        )
    if exc.kind == "dns":
        return WooError("dns", _("The name %(host)s could not be resolved (DNS). Check the store URL.", host=host))
    if exc.kind == "too_large":
        return WooError(
            "too_large",
            _("The store sent an answer larger than %(limit)s MB.", limit=MAX_RESPONSE_BYTES // (1024 * 1024)),
        )
    if exc.kind in ("tls", "connect"):
        return WooError(exc.kind, exc.message)
    return WooError("connect", _("Could not reach %(host)s.", host=host))
