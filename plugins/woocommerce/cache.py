"""Fetched orders kept in the database for the configured lifetime, so every gunicorn worker and the
reply popover share one copy, and a page reload does not ask the store again.

Rows are keyed by inbox customer id plus a digest of what the answer depends on (store URL, the
addresses, how many orders); changing any of them simply misses. Errors are never cached.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta

from sqlalchemy import JSON, Column, Integer, String, Table
from sqlalchemy.exc import IntegrityError

from inbox.extensions import db
from inbox.models import UTCDateTime, utcnow

# A Core table rather than a model: importing the plugin a second time under another name (pytest
# does, for package set-up) must find the same table instead of failing to redefine it.
OrderCache = db.metadata.tables.get("woocommerce_cache")
if OrderCache is None:
    OrderCache = Table(
        "woocommerce_cache",
        db.metadata,
        Column("key", String(200), primary_key=True),
        Column("customer_id", Integer, nullable=False, index=True),
        Column("value", JSON),
        Column("fetched_at", UTCDateTime),
    )


def cache_key(customer_id: int, store_url: str, emails: list[str], limit: int) -> str:
    digest = hashlib.sha256(json.dumps([store_url.rstrip("/"), sorted(emails), limit]).encode()).hexdigest()[:32]
    return f"c{customer_id}:{digest}"


def get(key: str, lifetime_seconds: float) -> tuple[dict, datetime] | None:
    with db.engine.connect() as conn:
        row = conn.execute(
            db.select(OrderCache.c.value, OrderCache.c.fetched_at).where(OrderCache.c.key == key)
        ).first()
    if row is None or lifetime_seconds <= 0:
        return None
    value, fetched_at = row
    if fetched_at + timedelta(seconds=lifetime_seconds) < utcnow():
        return None
    return value, fetched_at


def put(key: str, customer_id: int, value: dict) -> datetime:
    now = utcnow()
    # own connection: the caller's session (the page's) is neither committed nor rolled back
    try:
        with db.engine.begin() as conn:
            conn.execute(db.delete(OrderCache).where(OrderCache.c.key == key))
            conn.execute(db.insert(OrderCache).values(key=key, customer_id=customer_id, value=value, fetched_at=now))
    except IntegrityError:
        # another worker stored the same key between our DELETE and INSERT (PostgreSQL lets both
        # transactions run; SQLite serialises them): its copy is as fresh as ours
        pass
    return now


def forget(customer_id: int) -> int:
    with db.engine.begin() as conn:
        return conn.execute(db.delete(OrderCache).where(OrderCache.c.customer_id == customer_id)).rowcount
