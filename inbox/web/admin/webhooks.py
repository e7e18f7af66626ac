"""Admin: webhook subscriptions and their delivery log (subscribe, send a test event, redeliver one,
redeliver every failure since a time, turn off). The rules are inbox.webhooks'; the API offers the
same under /api/v1/webhooks."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ... import net, webhooks
from ...access import admin_required
from ...extensions import db
from ...i18n import gettext as _
from ...i18n import lazy_pgettext, ngettext
from ...models import Mailbox, WebhookDelivery, WebhookSubscription, utcnow

bp = Blueprint("webhooks_admin", __name__, url_prefix="/admin/webhooks")
LOG_ROWS = 100
# a delivery's state as the log shows it
DELIVERY_STATES = {
    "pending": lazy_pgettext("webhook delivery", "pending"),
    "succeeded": lazy_pgettext("webhook delivery", "delivered"),
    "failed": lazy_pgettext("webhook delivery", "failed"),
}


def _subscription(webhook_id: int) -> WebhookSubscription:
    sub = db.session.get(WebhookSubscription, webhook_id)
    if sub is None:
        abort(404)
    return sub


def _page(errors=None, status: int = 200, **extra):
    subs = db.session.execute(db.select(WebhookSubscription).order_by(WebhookSubscription.id)).scalars().all()
    mailboxes = db.session.execute(db.select(Mailbox).order_by(Mailbox.name)).scalars().all()
    return render_template(
        "admin/webhooks.html", subs=subs, events=webhooks.EVENTS, mailboxes=mailboxes, errors=errors or {}, **extra
    ), status


@bp.get("/")
@admin_required
def index():
    return _page()


@bp.post("/")
@admin_required
def create():
    mailbox_ids = [int(m) for m in request.form.getlist("mailbox_ids") if m.isdigit()]
    try:
        sub, secret = webhooks.subscribe(
            request.form.get("url", "").strip(),
            request.form.getlist("events"),
            mailbox_ids or None,
            by=current_user._get_current_object(),
        )
    except (ValueError, net.FetchError) as exc:
        db.session.rollback()
        return _page({"url": _("Not subscribed: %(reason)s", reason=str(exc))}, 400)
    db.session.commit()
    # the secret is shown in this answer only (never flashed: the session cookie would keep it)
    page, status = _page(new_secret=secret, new_id=sub.id)
    return page, status, {"Cache-Control": "no-store"}


@bp.get("/<int:webhook_id>")
@admin_required
def log(webhook_id: int):
    sub = _subscription(webhook_id)
    rows = (
        db.session.execute(
            db.select(WebhookDelivery)
            .where(WebhookDelivery.subscription_id == sub.id)
            .order_by(WebhookDelivery.id.desc())
            .limit(LOG_ROWS)
        )
        .scalars()
        .all()
    )
    return render_template(
        "admin/webhook_log.html",
        sub=sub,
        rows=rows,
        since=(utcnow() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        delivery_states=DELIVERY_STATES,
    )


@bp.post("/<int:webhook_id>/test")
@admin_required
def test(webhook_id: int):
    webhooks.send_test(_subscription(webhook_id))
    db.session.commit()
    flash(_("A test event is on its way."), "success")
    return redirect(url_for(".log", webhook_id=webhook_id))


@bp.post("/<int:webhook_id>/deliveries/<int:delivery_id>/redeliver")
@admin_required
def redeliver(webhook_id: int, delivery_id: int):
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.subscription_id != _subscription(webhook_id).id:
        abort(404)
    webhooks.redeliver(delivery)
    db.session.commit()
    flash(_("Queued again."), "success")
    return redirect(url_for(".log", webhook_id=webhook_id))


@bp.post("/<int:webhook_id>/redeliver")
@admin_required
def redeliver_failed(webhook_id: int):
    try:
        since = datetime.fromisoformat(request.form.get("since", ""))
    except ValueError:
        flash(_("Give a date and time."), "error")
        return redirect(url_for(".log", webhook_id=webhook_id))
    count = webhooks.redeliver_failed(_subscription(webhook_id), since)
    db.session.commit()
    flash(
        ngettext("%(num)d failed delivery queued again.", "%(num)d failed deliveries queued again.", count), "success"
    )
    return redirect(url_for(".log", webhook_id=webhook_id))


@bp.post("/<int:webhook_id>/active")
@admin_required
def set_active(webhook_id: int):
    sub = _subscription(webhook_id)
    sub.active = request.form.get("active") == "1"
    sub.disabled_at = None if sub.active else utcnow()
    db.session.commit()
    return redirect(url_for(".index"))
