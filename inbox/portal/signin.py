"""Sign-in without passwords: a one-time link by email.

The token is random, stored only as its SHA-256, expires after PORTAL_TOKEN_MINUTES, works once,
and the request page answers the same whether or not the address is known (no account probing).
Opening the link shows a button; only its POST signs in, so mail scanners that fetch links do
not burn the token.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import abort, current_app, redirect, request, session, url_for

from ..customers import find_customer
from ..addresses import is_address, normalize
from ..extensions import db
from ..models import Conversation, PortalToken, utcnow
from .blueprint import bp
from .mailer import send_system_mail
from .ratelimit import allow
from .render import page


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def current_customer_id() -> int | None:
    return session.get("portal_customer_id")


@bp.get("/")
def home():
    if current_customer_id():
        return redirect(url_for("portal.requests"))
    return page("portal/sign_in.html", None, email="", error=None)


@bp.post("/sign-in")
def request_link():
    email = normalize(request.form.get("email") or "")
    if not is_address(email):
        return page("portal/sign_in.html", None, email=email, error="That is not an email address: enter the one you write to us from, like name@example.com."), 400
    per_hour = current_app.config.get("PORTAL_SIGNIN_PER_HOUR", 5)
    ok_ip = allow("portal-signin-ip", request.remote_addr or "?", per_hour * 4, timedelta(hours=1))
    ok_addr = allow("portal-signin-addr", email, per_hour, timedelta(hours=1))
    if not (ok_ip and ok_addr):
        db.session.commit()
        return page("portal/sign_in.html", None, email=email,
                             error="Too many sign-in requests. Please wait an hour and try again."), 429
    customer = find_customer(email)
    if customer is not None and _has_portal_conversations(customer.id):
        token = secrets.token_urlsafe(32)
        minutes = current_app.config.get("PORTAL_TOKEN_MINUTES", 30)
        db.session.add(PortalToken(token_hash=_hash(token), email=email,
                                   expires_at=utcnow() + timedelta(minutes=minutes)))
        link = url_for("portal.confirm", token=token, _external=True)
        send_system_mail(email, "Your sign-in link",
                         f"Open this link to see your requests:\n\n{link}\n\n"
                         f"It works once and expires in {minutes} minutes. If you did not ask for it, "
                         "ignore this message.")
    db.session.commit()
    # the same page whether or not we know the address
    return page("portal/check_mail.html", None, email=email)


def _has_portal_conversations(customer_id: int) -> bool:
    from ..models import Mailbox

    return db.session.execute(
        db.select(Conversation.id).join(Mailbox, Mailbox.id == Conversation.mailbox_id)
        .where(Conversation.customer_id == customer_id, Mailbox.portal_enabled.is_(True)).limit(1)
    ).first() is not None


def _valid_token(token: str) -> PortalToken | None:
    row = db.session.execute(db.select(PortalToken).where(PortalToken.token_hash == _hash(token))).scalar_one_or_none()
    if row is None or row.used_at is not None or row.expires_at < utcnow():
        return None
    return row


@bp.get("/sign-in/<token>")
def confirm(token: str):
    row = _valid_token(token)
    return page("portal/confirm.html", None, valid=row is not None, token=token), (200 if row else 410)


@bp.post("/sign-in/<token>")
def consume(token: str):
    # single use even under a double click: the conditional UPDATE lets exactly one request win
    now = utcnow()
    won = db.session.execute(
        db.update(PortalToken).where(PortalToken.token_hash == _hash(token), PortalToken.used_at.is_(None),
                                     PortalToken.expires_at >= now).values(used_at=now)
    ).rowcount
    if not won:
        db.session.rollback()
        return page("portal/confirm.html", None, valid=False, token=""), 410
    row = db.session.execute(db.select(PortalToken).where(PortalToken.token_hash == _hash(token))).scalar_one()
    customer = find_customer(row.email)
    db.session.commit()
    if customer is None:
        abort(410)
    session["portal_customer_id"] = customer.id
    session["portal_email"] = row.email
    session.permanent = True
    return redirect(url_for("portal.requests"))


@bp.post("/sign-out")
def sign_out():
    session.pop("portal_customer_id", None)
    session.pop("portal_email", None)
    return redirect(url_for("portal.home"))
