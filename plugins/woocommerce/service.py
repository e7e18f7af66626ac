"""What the panel and the popover ask: the orders of a conversation's customer, cached."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime

from . import cache
from .client import Client, WooError
from .i18n import _
from .orders import find_orders, insert_text
from .settings import Config, load

log = logging.getLogger("inbox.plugins.woocommerce")


@dataclass
class Result:
    config: Config
    emails: list[str] = field(default_factory=list)
    orders: list[dict] = field(default_factory=list)
    stats: dict | None = None
    fetched_at: datetime | None = None
    from_cache: bool = False
    error: WooError | None = None


def customer_emails(conversation) -> list[str]:
    customer = getattr(conversation, "customer", None)
    if customer is None:
        return []
    return sorted({e.email.strip().lower() for e in customer.emails if e.email})


def orders_for(conversation, budget: float, refresh: bool = False) -> Result:
    """Never raises for store trouble: the error is in ``Result.error`` with a message fit to show."""
    config = load()
    result = Result(config=config, emails=customer_emails(conversation))
    if not config.configured or not result.emails:
        return result
    customer_id = conversation.customer.id
    key = cache.cache_key(customer_id, config.store.url, result.emails, config.order_count)
    if refresh:
        cache.forget(customer_id)
    else:
        hit = cache.get(key, config.cache_seconds)
        if hit is not None:
            data, result.fetched_at = hit
            result.orders, result.stats, result.from_cache = data["orders"], data.get("stats"), True
            return _with_links(result)
    client = Client(config.store, deadline=time.monotonic() + budget)
    try:
        data = find_orders(client, result.emails, config.order_count)
    except WooError as exc:
        if exc.kind == "timeout" and budget < 8:
            exc.message = _(
                "The store did not answer within %(seconds)s s. It may be slow or down; "
                "try Refresh, or raise PLUGIN_PANEL_TIMEOUT.",
                seconds=format(budget, ".1f"),
            )
        log.warning("woocommerce: %s (%s)", exc.kind, exc.message)
        result.error = exc
        return result
    result.orders, result.stats = data["orders"], data["stats"]
    if config.cache_seconds > 0:
        result.fetched_at = cache.put(key, customer_id, data)
    return _with_links(result)


def _with_links(result: Result) -> Result:
    for order in result.orders:
        order["edit_url"] = result.config.edit_url(order["id"])
        order["insert"] = insert_text(order)  # in this viewer's language, also for a cached answer
    return result


def cached_orders(conversation) -> list[dict] | None:
    """The orders already fetched for this conversation's customer, without asking the store."""
    config = load()
    emails = customer_emails(conversation)
    if not config.configured or not emails:
        return None
    key = cache.cache_key(conversation.customer.id, config.store.url, emails, config.order_count)
    hit = cache.get(key, config.cache_seconds)
    return hit[0]["orders"] if hit is not None else None
