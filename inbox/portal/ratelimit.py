"""Rate limits kept in the database, so every worker process counts the same attempts."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func

from ..extensions import db
from ..models import RateEvent, utcnow


def allow(kind: str, key: str, limit: int, window: timedelta) -> bool:
    """Record one attempt and say whether it is within `limit` per `window`."""
    since = utcnow() - window
    count = db.session.execute(
        db.select(func.count()).select_from(RateEvent)
        .where(RateEvent.kind == kind, RateEvent.key == key, RateEvent.created_at >= since)
    ).scalar()
    if count >= limit:
        return False
    db.session.add(RateEvent(kind=kind, key=key))
    db.session.flush()
    return True


def prune(older_than: timedelta = timedelta(days=2)) -> int:
    return db.session.execute(db.delete(RateEvent).where(RateEvent.created_at < utcnow() - older_than)).rowcount
