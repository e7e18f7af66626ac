"""The admin's "Test connection": one real request per capability the panel needs, and a plain answer."""

from __future__ import annotations

from dataclasses import dataclass, field

from .client import Client, Store, WooError
from .i18n import _, ngettext


@dataclass
class Diagnosis:
    ok: bool
    kind: str  # "ok" or a WooError kind
    message: str
    warnings: list[str] = field(default_factory=list)


def warnings_for(store: Store) -> list[str]:
    out = []
    if store.is_http:
        out.append(
            _("The store URL uses http://: the consumer key and secret travel in clear. Use https:// for a real store.")
        )
    if not store.verify_tls and not store.is_http:
        out.append(
            _("TLS certificate verification is off: anyone between this server and the store could read the keys.")
        )
    if store.query_auth:
        out.append(_("Keys are sent in the query string, so they appear in the store's access logs."))
    return out


def diagnose(store: Store) -> Diagnosis:
    warnings = warnings_for(store)
    client = Client(store)
    try:
        store.check()
        _, headers = client.get("orders", {"per_page": 1})
        total = headers.get("X-WP-Total")
        client.get("customers", {"per_page": 1, "role": "all"})
    except WooError as exc:
        return Diagnosis(False, exc.kind, exc.message, warnings)
    if total and total.isdigit():
        message = ngettext(
            "Connected to %(host)s: orders and customers can be read; the store has %(num)d order.",
            "Connected to %(host)s: orders and customers can be read; the store has %(num)d orders.",
            int(total),
            host=store.host,
        )
    else:
        message = _("Connected to %(host)s: orders and customers can be read.", host=store.host)
    return Diagnosis(True, "ok", message, warnings)
