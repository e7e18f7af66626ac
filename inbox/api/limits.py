"""Per-token rate limits and Idempotency-Key replay for the API.

Rate limit: a sliding window over the rate_event ledger (rows, not process memory, so every web
process counts the same requests), API_RATE_LIMIT weighted requests per API_RATE_WINDOW seconds
per token; a write costs 2. Answered with 429 and Retry-After; every answer carries the IETF
RateLimit / RateLimit-Policy headers.

Idempotency: a POST or PATCH with an Idempotency-Key first reserves (token, key) in its own commit
(the unique constraint makes a concurrent twin wait its turn: 409), then the operation and its
stored answer commit together, so a retry after any failure either replays the answer or runs the
operation anew, never twice."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

from flask import current_app, request
from sqlalchemy.exc import IntegrityError

from .. import ratelimit
from ..extensions import db
from ..models import ApiToken, IdempotentResponse, RateEvent, utcnow

KIND = "api"
WRITES = {"POST", "PUT", "PATCH", "DELETE"}
STALE_RESERVATION = timedelta(seconds=60)  # a reservation left by a process that died mid-request


class Limited(Exception):
    def __init__(self, retry_after: int, headers: dict):
        super().__init__("rate limited")
        self.retry_after, self.headers = retry_after, headers


def charge(token: ApiToken) -> dict:
    """Count this request against the token; the RateLimit headers to send, or Limited."""
    limit = int(current_app.config.get("API_RATE_LIMIT") or 0)
    if limit <= 0:
        return {}
    window = timedelta(seconds=int(current_app.config.get("API_RATE_WINDOW") or 60))
    cost = 2 if request.method in WRITES else 1
    key = f"token:{token.id}"
    used, oldest = ratelimit.recent(KIND, key, window)  # the one ledger every limit counts in
    reset = ratelimit.retry_after(oldest, window) if oldest else int(window.total_seconds())
    policy = {"RateLimit-Policy": f"{limit};w={int(window.total_seconds())}"}
    if used + cost > limit:
        raise Limited(
            reset,
            {
                **policy,
                "RateLimit": f"limit={limit}, remaining={max(0, limit - used)}, reset={reset}",
                "Retry-After": str(reset),
            },
        )
    for _ in range(cost):
        ratelimit.hit(KIND, key)
    db.session.commit()
    return {**policy, "RateLimit": f"limit={limit}, remaining={limit - used - cost}, reset={reset}"}


def fingerprint() -> str:
    return hashlib.sha256(
        b"\0".join([request.method.encode(), request.path.encode(), request.get_data() or b""])
    ).hexdigest()


def _ttl() -> timedelta:
    return timedelta(hours=float(current_app.config.get("API_IDEMPOTENCY_HOURS") or 24))


def reserve(token: ApiToken, key: str):
    """("replay", row) for a stored answer; ("mismatch", None) if the key came with another
    request; ("busy", None) if its twin is running; ("new", row) once reserved (committed)."""
    mine = fingerprint()
    db.session.execute(
        db.delete(IdempotentResponse).where(
            IdempotentResponse.token_id == token.id,
            IdempotentResponse.key == key,
            IdempotentResponse.created_at < utcnow() - _ttl(),
        )
    )
    row = db.session.execute(
        db.select(IdempotentResponse).where(IdempotentResponse.token_id == token.id, IdempotentResponse.key == key)
    ).scalar_one_or_none()
    if row is not None:
        if row.fingerprint != mine:
            return "mismatch", None
        if row.status:
            return "replay", row
        if utcnow() - row.created_at < STALE_RESERVATION:
            return "busy", None
        row.created_at = utcnow()  # its process died: this request takes the key over
        db.session.commit()
        return "new", row
    row = IdempotentResponse(token_id=token.id, key=key, fingerprint=mine, status=0, body=b"", headers={})
    try:
        db.session.add(row)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return "busy", None
    return "new", row


def remember(row: IdempotentResponse, status: int, body: bytes, headers: dict) -> None:
    """Store the answer in the operation's own transaction (the caller commits both)."""
    row.status, row.body, row.headers = status, body, headers


def release(row_id: int) -> None:
    """The operation failed before changing anything: a retry may run it again."""
    db.session.rollback()
    db.session.execute(db.delete(IdempotentResponse).where(IdempotentResponse.id == row_id))
    db.session.commit()


def replay_headers(row: IdempotentResponse) -> dict:
    return {**(row.headers or {}), "Idempotent-Replayed": "true"}


def body_of(payload) -> bytes:
    return json.dumps(payload, separators=(",", ":")).encode()


def prune() -> int:
    """Forget answers older than the replay window and API ledger rows older than an hour (the
    worker runs this hourly); returns how many rows went."""
    gone = (
        db.session.execute(
            db.delete(IdempotentResponse).where(IdempotentResponse.created_at < utcnow() - _ttl())
        ).rowcount
        or 0
    )
    gone += (
        db.session.execute(
            db.delete(RateEvent).where(RateEvent.kind == KIND, RateEvent.created_at < utcnow() - timedelta(hours=1))
        ).rowcount
        or 0
    )
    db.session.commit()
    return gone
