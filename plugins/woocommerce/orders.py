"""Every order a customer placed, from every address they wrote from.

For each address: registered accounts (``/customers?email=``, then ``/orders?customer=<id>``) and
guest orders (``/orders?search=<address>`` kept only where ``billing.email`` is that address).
Results are merged, de-duplicated by order id, newest first, cut to ``limit``, and reduced to the
plain data the panel and the reply popover show (JSON-safe, so it can be cached).
"""

from __future__ import annotations

import concurrent.futures
import html
from decimal import Decimal, InvalidOperation

from .client import Client, WooError

CURRENCY_SYMBOLS = {
    "EUR": "€",
    "USD": "$",
    "GBP": "£",
    "JPY": "¥",
    "CNY": "¥",
    "INR": "₹",
    "AUD": "A$",
    "CAD": "C$",
    "NZD": "NZ$",
    "CHF": "CHF ",
    "SEK": "kr ",
    "NOK": "kr ",
    "DKK": "kr ",
    "PLN": "zł ",
    "BRL": "R$",
    "ZAR": "R ",
    "KRW": "₩",
    "RUB": "₽",
    "TRY": "₺",
}
_POOL = concurrent.futures.ThreadPoolExecutor(max_workers=6, thread_name_prefix="woocommerce")


def find_orders(client: Client, emails: list[str], limit: int) -> dict:
    """{"orders": [...], "stats": {...} or None} for these addresses."""
    emails = sorted({e.strip().lower() for e in emails if e and "@" in e})
    if not emails:
        return {"orders": [], "stats": None}
    limit = max(1, min(int(limit), 100))
    # phase 1: accounts and guest searches for every address at once, so several addresses cost one round trip
    lookups = {email: _POOL.submit(_customers, client, email) for email in emails}
    guests = {email: _POOL.submit(_guest_orders, client, email, limit) for email in emails}
    customers: dict[int, dict] = {}
    for future in lookups.values():
        for c in _result(future):
            customers[int(c["id"])] = c
    # phase 2: each account's own orders
    owned = [_POOL.submit(_customer_orders, client, cid, limit) for cid in customers]
    raw: dict[int, dict] = {}
    for future in [*guests.values(), *owned]:
        for order in _result(future):
            raw.setdefault(int(order["id"]), order)
    ordered = sorted(raw.values(), key=_sort_key, reverse=True)[:limit]
    stats = _stats(customers.values())
    if stats is not None:
        stats["total_spent"] = money(stats["total_spent"], ordered[0].get("currency") if ordered else None)
    return {"orders": [summarise(o) for o in ordered], "stats": stats}


def _result(future):
    # the first failure wins; the others are the same store failing the same way
    try:
        return future.result()
    except WooError:
        raise
    except Exception as exc:  # a malformed body (e.g. an id that is not a number) must not become a stack trace
        raise WooError(
            "not_json", f"The store's answer was not shaped like WooCommerce's ({type(exc).__name__})."
        ) from None


def _customers(client: Client, email: str) -> list[dict]:
    # role=all: the default (role=customer) misses accounts that are also subscribers, shop managers...
    found, _ = client.get_pages("customers", {"email": email, "role": "all", "per_page": 10}, want=10, max_pages=1)
    return [c for c in found if str(c.get("email", "")).lower() == email and c.get("id")]


def _customer_orders(client: Client, customer_id: int, limit: int) -> list[dict]:
    params = {"customer": customer_id, "orderby": "date", "order": "desc", "per_page": limit}
    orders, _ = client.get_pages("orders", params, want=limit)
    return [o for o in orders if o.get("id")]


def _guest_orders(client: Client, email: str, limit: int) -> list[dict]:
    # search also matches names, notes and other addresses containing the text: keep exact billing matches
    params = {"search": email, "orderby": "date", "order": "desc", "per_page": min(100, max(limit * 2, 10))}
    orders, _ = client.get_pages(
        "orders",
        params,
        want=limit,
        max_pages=5,
        keep=lambda o: str((o.get("billing") or {}).get("email", "")).strip().lower() == email,
    )
    return [o for o in orders if o.get("id")]


def _sort_key(order: dict) -> tuple:
    return (str(order.get("date_created_gmt") or order.get("date_created") or ""), int(order.get("id") or 0))


def _text(value) -> str:
    # WooCommerce returns product names with HTML entities ("Ship Your Idea &ndash; Black"); the
    # template escapes again, so decoding here never lets markup through
    return html.unescape(str(value or "")).strip()


def money(amount, currency: str | None) -> str:
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, ValueError):
        return f"{amount} {currency or ''}".strip()
    sign = "-" if value < 0 else ""
    number = f"{abs(value):,.2f}"
    symbol = CURRENCY_SYMBOLS.get((currency or "").upper())
    return f"{sign}{symbol}{number}" if symbol else f"{sign}{number} {currency or ''}".strip()


def summarise(order: dict) -> dict:
    currency = str(order.get("currency") or "")
    shipping = order.get("shipping") or {}
    name = " ".join(filter(None, [_text(shipping.get("first_name")), _text(shipping.get("last_name"))]))
    city_line = " ".join(filter(None, [_text(shipping.get("postcode")), _text(shipping.get("city"))]))
    address = [
        line
        for line in [
            name,
            _text(shipping.get("company")),
            _text(shipping.get("address_1")),
            _text(shipping.get("address_2")),
            city_line,
            " ".join(filter(None, [_text(shipping.get("state")), _text(shipping.get("country"))])),
        ]
        if line
    ]
    items = [
        {"name": _text(li.get("name")), "quantity": li.get("quantity") or 0, "total": money(li.get("total"), currency)}
        for li in order.get("line_items") or []
    ]
    refunds = [
        {
            "id": r.get("id"),
            "reason": _text(r.get("reason") or r.get("refund")),
            "total": money(r.get("total"), currency),
        }
        for r in order.get("refunds") or []
    ]
    methods = [_text(s.get("method_title")) for s in order.get("shipping_lines") or [] if s.get("method_title")]
    summary = {
        "id": int(order["id"]),
        "number": _text(order.get("number") or order["id"]),
        "status": _text(order.get("status") or "pending"),
        "date": str(order.get("date_created") or "")[:10],
        "total": money(order.get("total"), currency),
        "currency": currency,
        "items": items,
        "shipping_method": ", ".join(methods),
        "shipping_address": address,
        "refunds": refunds,
        "note": _text(order.get("customer_note")),
        "email": _text((order.get("billing") or {}).get("email")),
        "customer_id": order.get("customer_id") or 0,
    }
    summary["insert"] = insert_text(summary)
    return summary


def insert_text(o: dict) -> str:
    """The one line an agent puts in a reply: 'Order #1234 (processing) — 2 × Blue Mug, total €30.00'."""
    from .i18n import _

    head = _("Order #%(number)s (%(status)s)", number=o["number"], status=o["status"])
    items = _(", ").join(_("%(quantity)s × %(name)s", quantity=i["quantity"], name=i["name"]) for i in o["items"])
    tail = [items] if items else []
    tail.append(_("total %(amount)s", amount=o["total"]))
    if o["date"]:
        tail.append(_("placed %(date)s", date=o["date"]))
    if o["shipping_method"]:
        tail.append(_("shipping: %(method)s", method=o["shipping_method"]))
    if o["refunds"]:
        tail.append(_("refunded %(amounts)s", amounts=_(", ").join(r["total"].lstrip("-") for r in o["refunds"])))
    return _("%(order)s — %(details)s", order=head, details=_(", ").join(tail))


def _stats(customers) -> dict | None:
    """Lifetime figures, only where the API gives them (v3 customers usually do not; some stores add them)."""
    count, spent, seen = 0, Decimal(0), False
    for c in customers:
        if c.get("orders_count") is not None:
            seen = True
            count += int(c.get("orders_count") or 0)
            try:
                spent += Decimal(str(c.get("total_spent") or 0))
            except InvalidOperation:
                pass
    return {"orders_count": count, "total_spent": f"{spent:.2f}"} if seen else None
