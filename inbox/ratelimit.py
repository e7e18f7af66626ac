"""The one rate limiter: attempts are rows in the rate_event ledger (not process memory), so every
gunicorn worker and the worker process count the same attempts. Keys name the real client through
client_ip(), which is the proxy-corrected address when PROXY_FIX_* hops are configured.

The worker prunes the ledger (prune, scheduled in inbox/worker.py); nothing else deletes rows
except clear(), which a successful login uses to forget its account's failures."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import request
from sqlalchemy import func

from .extensions import db
from .models import RateEvent, utcnow

KEY_MAX = 320  # the column's width
KEEP = timedelta(days=2)  # longer than any window a caller uses


def client_ip() -> str:
    """The address of the client of the current request. ProxyFix (inbox/web/proxy.py) has already
    replaced remote_addr with the first untrusted X-Forwarded-For hop when hops are configured."""
    return request.remote_addr or "-"


def key_of(*parts: object) -> str:
    return "|".join(str(p) for p in parts)[:KEY_MAX]


def recent(kind: str, key: str, window: timedelta) -> tuple[int, datetime | None]:
    """(count, oldest time) of `kind` attempts under `key` within `window`."""
    since = utcnow() - window
    count, oldest = db.session.execute(
        db.select(func.count(), func.min(RateEvent.created_at)).where(
            RateEvent.kind == kind, RateEvent.key == key[:KEY_MAX], RateEvent.created_at >= since
        )
    ).one()
    return int(count), oldest


def hit(kind: str, key: str) -> None:
    """Record one attempt without checking (the caller decides from recent())."""
    db.session.add(RateEvent(kind=kind, key=key[:KEY_MAX]))
    db.session.flush()


def allow(kind: str, key: str, limit: int, window: timedelta) -> bool:
    """Record one attempt and say whether it is within `limit` per `window`; a refused attempt is
    not recorded, so a blocked client's retries do not extend its own block."""
    count, _ = recent(kind, key, window)
    if count >= limit:
        return False
    hit(kind, key)
    return True


def retry_after(oldest: datetime | None, window: timedelta) -> int:
    """Seconds until the oldest counted attempt leaves the window (at least 1)."""
    if oldest is None:
        return 1
    return max(1, int((oldest + window - utcnow()).total_seconds()) + 1)


def clear(kind: str, key: str | None = None, key_prefix: str | None = None) -> None:
    query = db.delete(RateEvent).where(RateEvent.kind == kind)
    if key is not None:
        query = query.where(RateEvent.key == key[:KEY_MAX])
    if key_prefix is not None:
        query = query.where(RateEvent.key.startswith(key_prefix, autoescape=True))
    db.session.execute(query)


def prune(older_than: timedelta = KEEP) -> int:
    """Delete ledger rows older than any window; returns how many went."""
    deleted = db.session.execute(db.delete(RateEvent).where(RateEvent.created_at < utcnow() - older_than)).rowcount
    db.session.commit()
    return deleted or 0
