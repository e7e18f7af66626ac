"""Sign-in without passwords: a one-time link by email.

The token is random, stored only as its SHA-256, expires after PORTAL_TOKEN_MINUTES, works once,
and the request page answers the same whether or not the address is known (no account probing).
Opening the link shows a button; only its POST signs in, so mail scanners that fetch links do
not burn the token.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from datetime import timedelta

from flask import abort, current_app, redirect, request, session, url_for

from .. import ratelimit
from ..addresses import is_address, normalize
from ..customers import find_customer
from ..extensions import db
from ..i18n import force_locale, get_locale, ngettext
from ..i18n import gettext as _
from ..i18n.selection import PORTAL_SESSION_KEY, valid_locale
from ..models import Conversation, Customer, CustomerEmail, PortalToken, utcnow
from ..system_mail import build_system_mail, queue_system_mail, system_mailbox
from ..urls import external_url
from .blueprint import bp
from .render import page


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def current_customer_id() -> int | None:
    """The signed-in customer, if the session is still valid: younger than PORTAL_SESSION_HOURS and
    of the customer's current generation (sign-out ends every copy of the cookie, finding 17)."""
    customer_id = session.get("portal_customer_id")
    if not customer_id:
        return None
    hours = current_app.config.get("PORTAL_SESSION_HOURS", 12)
    started = session.get("portal_signed_in_at") or 0
    customer = db.session.get(Customer, customer_id)
    if (
        customer is None
        or time.time() - started > hours * 3600
        or session.get("portal_generation") != (customer.portal_generation or 0)
    ):
        _forget_portal_session()
        return None
    return customer_id


def _forget_portal_session() -> None:
    for key in ("portal_customer_id", "portal_email", "portal_generation", "portal_signed_in_at"):
        session.pop(key, None)


@bp.get("/")
def home():
    if current_customer_id():
        return redirect(url_for("portal.requests"))
    return page("portal/sign_in.html", None, email="", error=None)


@bp.post("/sign-in")
def request_link():
    email = normalize(request.form.get("email") or "")
    if not is_address(email):
        return page(
            "portal/sign_in.html",
            None,
            email=email,
            error=_("That is not an email address: enter the one you write to us from, like name@example.com."),
        ), 400
    per_hour = current_app.config.get("PORTAL_SIGNIN_PER_HOUR", 5)
    ok_ip = ratelimit.allow("portal-signin-ip", ratelimit.client_ip(), per_hour * 4, timedelta(hours=1))
    ok_addr = ok_ip and ratelimit.allow("portal-signin-addr", email, per_hour, timedelta(hours=1))
    if not (ok_ip and ok_addr):
        db.session.commit()
        return page(
            "portal/sign_in.html",
            None,
            email=email,
            error=_("Too many sign-in requests. Please wait an hour and try again."),
        ), 429
    customer_id = db.session.execute(db.select(CustomerEmail.customer_id).where(CustomerEmail.email == email)).scalar()
    # the query runs for unknown addresses too (id 0 matches nothing): the same work either way
    known = _has_portal_conversations(customer_id or 0)
    # known and unknown addresses do the same work (a token row, a built mail); only a known one's
    # mail is queued. An unknown address's token reaches nobody and consume() refuses it (finding 11)
    token = secrets.token_urlsafe(32)
    minutes = current_app.config.get("PORTAL_TOKEN_MINUTES", 30)
    db.session.add(PortalToken(token_hash=_hash(token), email=email, expires_at=utcnow() + timedelta(minutes=minutes)))
    mailbox = system_mailbox()
    if mailbox is None:
        current_app.logger.warning("portal sign-in link not sent: no mailbox can send system mail")
    else:
        from ..themes import branding

        link = external_url("portal.confirm", token=token)
        language = str(get_locale())
        # the language the portal is showing now is the one they last used: their mail's from now on
        # (an unknown address updates no row: the same statement either way)
        db.session.execute(
            db.update(Customer).where(Customer.id == (customer_id if known else 0)).values(locale=language)
        )
        with force_locale(language):
            subject = _("Your sign-in link")
            text = "\n\n".join(
                [
                    _("Open this link to see your requests:"),
                    link,
                    ngettext(
                        "It works once and expires in %(num)d minute. If you did not ask for it, ignore this message.",
                        "It works once and expires in %(num)d minutes. If you did not ask for it, ignore this message.",
                        minutes,
                    ),
                ]
            )
        message_id, mime = build_system_mail(mailbox, "", email, subject, text, from_name=branding()["name"])
        if known:
            queue_system_mail(mailbox, email, message_id, mime)
    db.session.commit()
    # the same page whether or not we know the address
    return page("portal/check_mail.html", None, email=email)


def _has_portal_conversations(customer_id: int) -> bool:
    from ..models import Mailbox

    return (
        db.session.execute(
            db.select(Conversation.id)
            .join(Mailbox, Mailbox.id == Conversation.mailbox_id)
            .where(Conversation.customer_id == customer_id, Mailbox.portal_enabled.is_(True))
            .limit(1)
        ).first()
        is not None
    )


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
        db.update(PortalToken)
        .where(PortalToken.token_hash == _hash(token), PortalToken.used_at.is_(None), PortalToken.expires_at >= now)
        .values(used_at=now)
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
    session["portal_generation"] = customer.portal_generation or 0
    session["portal_signed_in_at"] = time.time()
    chosen = valid_locale(session.get(PORTAL_SESSION_KEY))
    if chosen:  # picked with the switch before signing in: remembered for their mail
        customer.locale = chosen
        db.session.commit()
    session.permanent = True
    return redirect(url_for("portal.requests"))


@bp.post("/sign-out")
def sign_out():
    customer_id = current_customer_id()
    customer = db.session.get(Customer, customer_id) if customer_id else None
    if customer is not None:
        customer.portal_generation = (customer.portal_generation or 0) + 1
        db.session.commit()
    _forget_portal_session()
    return redirect(url_for("portal.home"))


@bp.post("/language")
def set_language():
    """The portal's language switch: kept in the session, and on a signed-in customer as the
    language of the mail we send them (auto-replies, sign-in links)."""

    locale = valid_locale(request.form.get("locale"))
    if locale is None:
        abort(400)
    session[PORTAL_SESSION_KEY] = locale
    customer_id = current_customer_id()
    customer = db.session.get(Customer, customer_id) if customer_id else None
    if customer is not None:
        customer.locale = locale
        db.session.commit()
    target = request.form.get("next") or ""
    # only a portal path of this site: the switch must not become an open redirect
    if not (target.startswith("/portal") and "//" not in target and "\\" not in target):
        target = url_for("portal.home")
    return redirect(target)
