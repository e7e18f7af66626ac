"""Webhooks: subscriptions, events written to a database outbox in the event's own transaction,
Standard Webhooks signatures, and delivery by the worker with retries.

Durable and at least once: `record` adds one WebhookDelivery row per matching subscription to the
session of the change that caused the event (the caller commits both, or neither); the worker's
`deliver_due` claims due rows with a conditional UPDATE (a lease), so a killed worker loses none and
two workers never send the same attempt. Every attempt of a delivery carries the same webhook-id.

Signing (https://www.standardwebhooks.com): headers webhook-id, webhook-timestamp and
webhook-signature = "v1," + base64(HMAC-SHA256(secret bytes, f"{id}.{timestamp}.{body}")); the
secret is "whsec_" + base64 of 32 random bytes, shown once, encrypted at rest.

Deliveries go through inbox.net, the guarded client: private and loopback targets are refused
unless WEBHOOK_ALLOWED_NETWORKS allows them, checked on the connected address; no redirects."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import random
import secrets
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from . import crypto, net
from .extensions import db
from .i18n import gettext as _
from .models import Conversation, ThreadItem, User, WebhookDelivery, WebhookSubscription, utcnow

log = logging.getLogger("inbox.webhooks")
API_VERSION = "1"
EVENTS = (
    "conversation.created",
    "conversation.status_changed",
    "conversation.assigned",
    "conversation.tags_changed",
    "conversation.moved",
    "conversation.merged",
    "message.customer_reply",
    "message.agent_reply",
    "note.created",
)
# seconds after each failed attempt (about three days in all); jittered by up to 10 %
SCHEDULE = (60, 300, 1800, 7200, 21600, 43200, 86400, 86400)
RETRY_STATUSES = {408, 429}
LEASE = timedelta(seconds=60)  # an attempt in flight; a worker killed mid-attempt frees it after this
RESPONSE_KEEP = 4096
TIMEOUT = (3.0, 10.0)

# how a conversation is represented in a payload: the API's own representation, handed over by the
# API when the app is built (the API is a face above this module, so it cannot be imported here)
_represent: dict[str, Callable] = {}


def set_representation(conversation: Callable[[Conversation], dict]) -> None:
    _represent["conversation"] = conversation


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def subscribe(url: str, events, mailbox_ids=None, by: User | None = None) -> tuple[WebhookSubscription, str]:
    """A new subscription and its secret (only here, shown once). The caller commits."""
    net.check_url(url)  # raises FetchError for anything but http(s)
    unknown = [e for e in events if e not in EVENTS]
    if unknown or not events:
        raise ValueError(
            _("unknown event %(event)s", event=repr(unknown[0])) if unknown else _("choose at least one event")
        )
    secret = new_secret()
    sub = WebhookSubscription(
        url=url,
        events=sorted(set(events)),
        mailbox_ids=sorted(set(mailbox_ids)) if mailbox_ids else None,
        secret_enc=crypto.encrypt(secret),
        active=True,
        created_by_id=by.id if by else None,
    )
    db.session.add(sub)
    db.session.flush()
    return sub, secret


def _subscribers(event_type: str, mailbox_id: int | None) -> list[WebhookSubscription]:
    subs = db.session.execute(db.select(WebhookSubscription).where(WebhookSubscription.active.is_(True))).scalars()
    return [s for s in subs if event_type in (s.events or ()) and (not s.mailbox_ids or mailbox_id in s.mailbox_ids)]


def _sequence(conv: Conversation) -> int:
    """Grows with every change to the conversation (each change writes a thread item first)."""
    db.session.flush()
    return (
        db.session.execute(db.select(db.func.max(ThreadItem.id)).where(ThreadItem.conversation_id == conv.id)).scalar()
        or 0
    )


def record(event_type: str, conversation: Conversation, **extra) -> int:
    """Queue `event_type` about `conversation` for every subscription that wants it, in the
    caller's transaction. Returns how many deliveries were queued."""
    subs = _subscribers(event_type, conversation.mailbox_id)
    if not subs:
        return 0
    represent = _represent.get("conversation")
    data = {"conversation": represent(conversation) if represent else {"id": conversation.id}, **extra}
    body = {
        "type": event_type,
        "api_version": API_VERSION,
        "occurred_at": utcnow().isoformat(),
        "sequence": _sequence(conversation),
        "data": data,
    }
    for sub in subs:
        db.session.add(
            WebhookDelivery(
                subscription_id=sub.id,
                message_id=f"msg_{uuid.uuid4().hex}",
                event_type=event_type,
                payload=json.dumps(body, default=str),
                status="pending",
                attempts=0,
                next_attempt_at=utcnow(),
            )
        )
    return len(subs)


ROTATION_OVERLAP = timedelta(hours=24)


def rotate(sub: WebhookSubscription, now: datetime | None = None) -> str:
    """A new secret (returned, shown once); the old one keeps signing beside it for 24 hours, so a
    receiver can switch without losing a delivery. The caller commits."""
    now = now or utcnow()
    secret = new_secret()
    sub.previous_secret_enc, sub.previous_until = sub.secret_enc, now + ROTATION_OVERLAP
    sub.secret_enc = crypto.encrypt(secret)
    return secret


def signing_secrets(sub: WebhookSubscription, now: datetime | None = None) -> list[str]:
    """The secrets a delivery is signed with now: the current one, and the previous one during the
    overlap after a rotation (Standard Webhooks: space-separated signatures, any may match)."""
    now = now or utcnow()
    out = [crypto.decrypt(sub.secret_enc)]
    if sub.previous_secret_enc and sub.previous_until and sub.previous_until > now:
        out.append(crypto.decrypt(sub.previous_secret_enc))
    return out


def signature(secret: str, message_id: str, timestamp: int, body: str) -> str:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    mac = hmac.new(key, f"{message_id}.{timestamp}.{body}".encode(), hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


def _claim(now: datetime, limit: int) -> list[int]:
    ids = list(
        db.session.execute(
            db.select(WebhookDelivery.id)
            .where(WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= now)
            .order_by(WebhookDelivery.id)
            .limit(limit)
        ).scalars()
    )
    claimed = []
    for delivery_id in ids:
        # the conditional UPDATE is the lock: a second worker finds the row already moved on
        won = db.session.execute(
            db.update(WebhookDelivery)
            .where(
                WebhookDelivery.id == delivery_id,
                WebhookDelivery.status == "pending",
                WebhookDelivery.next_attempt_at <= now,
            )
            .values(next_attempt_at=now + LEASE)
        ).rowcount
        if won:
            claimed.append(delivery_id)
    db.session.commit()
    return claimed


def _retry_after(headers) -> int | None:
    raw = (headers or {}).get("Retry-After", "")
    return int(raw) if raw.isdigit() else None


def attempt(delivery: WebhookDelivery, now: datetime | None = None) -> bool:
    """Send one attempt and record it; True when delivered. The caller commits."""
    sub = db.session.get(WebhookSubscription, delivery.subscription_id)
    now = now or utcnow()
    timestamp = int(time.time())  # when it is really sent: receivers check it against their clock
    signatures = " ".join(
        signature(secret, delivery.message_id, timestamp, delivery.payload) for secret in signing_secrets(sub, now)
    )
    headers = {
        "Content-Type": "application/json",
        "webhook-id": delivery.message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signatures,
    }
    started = time.monotonic()
    delivery.attempts += 1
    status, error, retry_after, blocked = None, None, None, False
    try:
        resp = net.post(
            sub.url, data=delivery.payload.encode(), headers=headers, timeout=TIMEOUT, max_bytes=RESPONSE_KEEP
        )
        status = resp.status_code
        delivery.last_response = resp.content[:RESPONSE_KEEP].decode("utf-8", errors="replace")
        retry_after = _retry_after(resp.headers) if status == 429 else None
    except net.FetchError as exc:  # connection refused, timeout, refused destination...
        error, blocked = str(exc), isinstance(exc, net.BlockedDestination)
    delivery.latency_ms = int((time.monotonic() - started) * 1000)
    delivery.last_status_code, delivery.last_error = status, error
    if status is not None and 200 <= status < 300:
        delivery.status, delivery.delivered_at = "succeeded", utcnow()
        return True
    retryable = status is None or status in RETRY_STATUSES or status >= 500
    if not retryable or blocked or delivery.attempts > len(SCHEDULE):
        delivery.status = "failed"
        _maybe_disable(sub, now)
        return False
    wait = SCHEDULE[delivery.attempts - 1]
    wait = max(wait, min(retry_after or 0, 86400))
    delivery.next_attempt_at = now + timedelta(seconds=wait * (1 + random.uniform(0, 0.1)))
    return False


def _maybe_disable(sub: WebhookSubscription, now: datetime) -> None:
    """After three days without one success, the subscription stops (admins see it disabled)."""
    last_ok = db.session.execute(
        db.select(db.func.max(WebhookDelivery.delivered_at)).where(WebhookDelivery.subscription_id == sub.id)
    ).scalar()
    first = db.session.execute(
        db.select(db.func.min(WebhookDelivery.created_at)).where(WebhookDelivery.subscription_id == sub.id)
    ).scalar()
    since = last_ok or first
    if since is not None and now - since >= timedelta(days=3):
        sub.active, sub.disabled_at = False, now
        log.warning("webhook subscription %s disabled after three days of failures", sub.id)


def deliver_due(now: datetime | None = None, limit: int = 50) -> dict:
    """The worker's step: send every due delivery once. Returns {"sent": n, "failed": n}."""
    now = now or utcnow()
    out = {"sent": 0, "failed": 0}
    for delivery_id in _claim(now, limit):
        delivery = db.session.get(WebhookDelivery, delivery_id)
        ok = attempt(delivery, now)
        out["sent" if ok else "failed"] += 1
        db.session.commit()
    return out


def redeliver(delivery: WebhookDelivery, now: datetime | None = None) -> None:
    """Queue a delivery again (same webhook-id, so a receiver that got it already can tell). The caller commits."""
    delivery.status, delivery.next_attempt_at = "pending", now or utcnow()


def redeliver_failed(sub: WebhookSubscription, since: datetime) -> int:
    """Queue again every failed delivery of `sub` created since `since` (naive means UTC); returns how
    many. The caller commits."""
    since = since if since.tzinfo else since.replace(tzinfo=timezone.utc)
    return (
        db.session.execute(
            db.update(WebhookDelivery)
            .where(
                WebhookDelivery.subscription_id == sub.id,
                WebhookDelivery.status == "failed",
                WebhookDelivery.created_at >= since,
            )
            .values(status="pending", next_attempt_at=utcnow())
        ).rowcount
        or 0
    )


def send_test(sub: WebhookSubscription) -> WebhookDelivery:
    """Queue a `webhook.test` event for `sub` alone. The caller commits."""
    body = {
        "type": "webhook.test",
        "api_version": API_VERSION,
        "occurred_at": utcnow().isoformat(),
        "sequence": 0,
        "data": {"subscription_id": sub.id},
    }
    delivery = WebhookDelivery(
        subscription_id=sub.id,
        message_id=f"msg_{uuid.uuid4().hex}",
        event_type="webhook.test",
        payload=json.dumps(body),
        status="pending",
        attempts=0,
        next_attempt_at=utcnow(),
    )
    db.session.add(delivery)
    db.session.flush()
    return delivery


LOG_KEEP = timedelta(days=30)


def prune(now: datetime | None = None) -> int:
    """Forget finished deliveries older than 30 days (the delivery log's span); the worker runs it hourly."""
    gone = (
        db.session.execute(
            db.delete(WebhookDelivery).where(
                WebhookDelivery.status.in_(("succeeded", "failed")),
                WebhookDelivery.created_at < (now or utcnow()) - LOG_KEEP,
            )
        ).rowcount
        or 0
    )
    db.session.commit()
    return gone
