"""/api/v1/webhooks (admin scope, admins only): subscribe, list, read the delivery log. The work is
inbox.webhooks'; the payloads carry this API's conversation representation."""

from __future__ import annotations

from flask_login import current_user
from sqlalchemy import func, select

from .. import net, webhooks
from ..extensions import db
from ..models import Mailbox, WebhookDelivery, WebhookSubscription
from . import schemas as s
from .core import ApiError, decode_cursor, encode_cursor, next_link, operation
from .schemas import ProblemField

ADMIN = "admin"


def _admin_only() -> None:
    if not current_user.is_admin:  # an admin token of a user who is no longer an admin
        raise ApiError(403, "Forbidden", "Only admins manage webhooks.")


@operation(
    "POST",
    "/webhooks",
    summary="Subscribe to events",
    scope=ADMIN,
    tag="Webhooks",
    response=s.WebhookCreated,
    status=201,
    body=s.WebhookIn,
    errors=(422,),
)
def create_webhook(body: s.WebhookIn):
    """The answer carries the signing secret, once. Deliveries are signed per Standard Webhooks."""
    _admin_only()
    for mailbox_id in body.mailbox_ids or ():
        if db.session.get(Mailbox, mailbox_id) is None:
            raise ApiError(
                422,
                "Validation failed",
                "Unknown mailbox.",
                [ProblemField(field="body.mailbox_ids", message=f"no mailbox {mailbox_id}")],
            )
    try:
        sub, secret = webhooks.subscribe(body.url, body.events, body.mailbox_ids, by=current_user)
    except (ValueError, net.FetchError) as exc:
        db.session.rollback()
        raise ApiError(422, "Validation failed", str(exc), [ProblemField(field="body", message=str(exc))]) from None
    return s.webhook_out(sub, secret)


@operation("GET", "/webhooks", summary="Subscriptions", scope=ADMIN, tag="Webhooks", response=s.WebhookList)
def list_webhooks():
    _admin_only()
    rows = db.session.execute(select(WebhookSubscription).order_by(WebhookSubscription.id)).scalars()
    return s.WebhookList(items=[s.webhook_out(w) for w in rows])


@operation(
    "GET",
    "/webhooks/<int:webhook_id>/deliveries",
    summary="A subscription's delivery log",
    scope=ADMIN,
    tag="Webhooks",
    response=s.DeliveryPage,
    query=s.PageQuery,
    errors=(404, 422),
)
def list_deliveries(webhook_id: int, query: s.PageQuery):
    _admin_only()
    _subscription(webhook_id)
    base = select(WebhookDelivery).where(WebhookDelivery.subscription_id == webhook_id)
    after = decode_cursor(query.cursor, 1)
    page = base.where(WebhookDelivery.id < after[0]) if after else base
    rows = list(db.session.execute(page.order_by(WebhookDelivery.id.desc()).limit(query.limit + 1)).scalars())
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    cursor = encode_cursor([rows[-1].id]) if more and rows else None
    total = db.session.execute(select(func.count()).select_from(base.subquery())).scalar_one() if query.count else None
    return s.DeliveryPage(
        items=[s.delivery_out(d) for d in rows], next_cursor=cursor, next=next_link(cursor), count=total
    )


def _subscription(webhook_id: int) -> WebhookSubscription:
    sub = db.session.get(WebhookSubscription, webhook_id)
    if sub is None:
        raise ApiError(404, "Not Found")
    return sub


@operation(
    "POST",
    "/webhooks/<int:webhook_id>/test",
    summary="Send a test event",
    scope=ADMIN,
    tag="Webhooks",
    response=s.DeliveryOut,
    status=202,
    errors=(404,),
)
def test_webhook(webhook_id: int):
    """Queues a `webhook.test` event; the worker sends it within a second or two."""
    _admin_only()
    return s.delivery_out(webhooks.send_test(_subscription(webhook_id)))


@operation(
    "POST",
    "/webhooks/<int:webhook_id>/deliveries/<int:delivery_id>/redeliver",
    summary="Send one again",
    scope=ADMIN,
    tag="Webhooks",
    response=s.DeliveryOut,
    status=202,
    errors=(404,),
)
def redeliver(webhook_id: int, delivery_id: int):
    _admin_only()
    sub = _subscription(webhook_id)
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.subscription_id != sub.id:
        raise ApiError(404, "Not Found")
    webhooks.redeliver(delivery)
    return s.delivery_out(delivery)


@operation(
    "POST",
    "/webhooks/<int:webhook_id>/redeliver",
    summary="Send again every failed delivery since a time",
    scope=ADMIN,
    tag="Webhooks",
    response=s.RedeliverOut,
    status=202,
    body=s.RedeliverIn,
    errors=(404, 422),
)
def redeliver_failed(webhook_id: int, body: s.RedeliverIn):
    _admin_only()
    return s.RedeliverOut(queued=webhooks.redeliver_failed(_subscription(webhook_id), body.since))


@operation(
    "POST",
    "/webhooks/<int:webhook_id>/rotate",
    summary="Rotate the signing secret",
    scope=ADMIN,
    tag="Webhooks",
    response=s.WebhookCreated,
    errors=(404,),
)
def rotate_secret(webhook_id: int):
    """Answers with the new secret, once; the old one still signs beside it for 24 hours."""
    _admin_only()
    sub = _subscription(webhook_id)
    return s.webhook_out(sub, webhooks.rotate(sub))
