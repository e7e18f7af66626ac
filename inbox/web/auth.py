"""Logging in and out, the agent's own profile, and password reset by emailed link.

Failed logins are counted in the shared rate-limit ledger (inbox.ratelimit), keyed on the real
client address (ProxyFix, inbox/web/security.py). Two limits, so an attacker cannot lock the real
user out (review finding 8): LOGIN_MAX_FAILURES per account and client address within LOGIN_WINDOW
seconds pauses that pair; once an account has LOGIN_ACCOUNT_FAILURES failures in the window from
anywhere, only addresses that have not failed for it may still try (the real user, at home or in
the office, still can; each attacking address gets one more try at most).

Reset links are signed, expire after RESET_MAX_AGE seconds and carry a fingerprint of the current
password hash, so they stop working once used. The mail is queued in the outbox (never sent inside
the request), and known and unknown addresses do the same work, so neither an SMTP outage nor the
response time tells whether an account exists (findings 10-11)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import lazyload

from .. import ratelimit
from ..extensions import db, login_manager
from ..i18n import N_, force_locale, install_locale, ngettext
from ..i18n import gettext as _
from ..i18n.selection import browser_locale, timezone_names, valid_locale, valid_timezone
from ..models import User, utcnow
from ..passwords import password_problem
from ..system_mail import build_system_mail, queue_system_mail, system_mailbox
from ..urls import external_url
from . import tokens

bp = Blueprint("auth", __name__)
LOGIN_MAX_FAILURES = 5
LOGIN_ACCOUNT_FAILURES = 20
LOGIN_WINDOW = 300
RESET_MAX_AGE = 3600
RESET_PER_ADDRESS_HOUR = 3  # per address and client
RESET_PER_CLIENT_HOUR = 10  # per client, whatever the address


def safe_next(target: str | None) -> str | None:
    """Only same-site relative paths, so a crafted ?next= cannot send the agent elsewhere."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


def _home() -> str:
    return url_for("inbox_list.index")


# ---- rate limiting ------------------------------------------------------------------------


def _pair_key(email: str) -> str:
    return ratelimit.key_of(email, ratelimit.client_ip())


def _locked_message(email: str) -> str | None:
    """Why this client may not try this account now, or None."""
    window = timedelta(seconds=current_app.config.get("LOGIN_WINDOW", LOGIN_WINDOW))
    count, oldest = ratelimit.recent("login_fail", _pair_key(email), window)
    limit = current_app.config.get("LOGIN_MAX_FAILURES", LOGIN_MAX_FAILURES)
    if count < limit:
        account_limit = current_app.config.get("LOGIN_ACCOUNT_FAILURES", LOGIN_ACCOUNT_FAILURES)
        account_count, _oldest = ratelimit.recent("login_fail_account", email, window)
        # under attack from many places: a client that has failed for this account waits; one that
        # has not (most likely the account's owner) still gets through
        if not (count and account_count >= account_limit):
            return None
    wait = max(1, ratelimit.retry_after(oldest, window) // 60 + 1)
    return ngettext(
        "Too many failed attempts for this account. For your security, logging in is paused; "
        "try again in %(num)d minute or reset your password.",
        "Too many failed attempts for this account. For your security, logging in is paused; "
        "try again in %(num)d minutes or reset your password.",
        wait,
    )


@bp.route("/login", methods=["GET", "POST"])
def login():
    next_url = safe_next(request.values.get("next"))
    if current_user.is_authenticated:
        return redirect(next_url or _home())
    error, status = None, 200
    email = (request.form.get("email") or "").strip().lower()
    if request.method == "POST":
        error = _locked_message(email)
        if error:
            status = 429
        else:
            user = db.session.execute(db.select(User).where(User.email == email)).scalar_one_or_none()
            if user is not None and user.active and user.check_password(request.form.get("password") or ""):
                ratelimit.clear("login_fail", _pair_key(email))
                login_user(user, remember=bool(request.form.get("remember")))
                user.last_login_at = utcnow()
                db.session.commit()
                return redirect(next_url or _home())
            ratelimit.hit("login_fail", _pair_key(email))
            ratelimit.hit("login_fail_account", email)
            db.session.commit()
            error, status = _("That email and password don't match an active account."), 401
            error = _locked_message(email) or error
    return render_template("auth/login.html", error=error, email=email, next=next_url), status


@bp.post("/logout")
def logout():
    user = current_user._get_current_object() if current_user.is_authenticated else None
    logout_user()
    if user is not None:
        # copies of this session's cookie (and remember-me cookies) stop working (finding 17)
        user.end_sessions()
        db.session.commit()
    flash(_("You are logged out."), "success")
    return redirect(url_for("auth.login"))


# ---- profile ---------------------------------------------------------------------------------


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    user: User = current_user._get_current_object()
    errors: dict[str, str] = {}
    if request.method == "POST":
        name = (request.form.get("name") or "").strip()
        if not name:
            errors["name"] = _("Your name is shown to customers and colleagues; it cannot be empty.")
        new = request.form.get("new_password") or ""
        if new:
            if not user.check_password(request.form.get("current_password") or ""):
                errors["current_password"] = _("That is not your current password.")
            elif password_problem(new):
                errors["new_password"] = password_problem(new)
            elif new != request.form.get("confirm_password"):
                errors["confirm_password"] = _("The two new passwords differ.")
        locale = request.form.get("locale") or ""
        if locale and not valid_locale(locale):
            errors["locale"] = _("Choose a language from the list.")
        zone = request.form.get("timezone") or ""
        if zone and not valid_timezone(zone):
            errors["timezone"] = _("Choose a time zone from the list.")
        if not errors:
            user.name = name
            user.locale = locale or None  # None: the browser's language, else the install's
            user.timezone = zone or None
            user.signature = request.form.get("signature", "").strip() or None
            if new:
                user.set_password(new)
                # other sessions end with the old password; this one goes on under the new fingerprint
                login_user(
                    user,
                    remember=bool(
                        request.cookies.get(current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token"))
                    ),
                )
            db.session.commit()
            flash(_("Profile saved."), "success")
            return redirect(url_for("auth.profile"))
    return render_template(
        "auth/profile.html", user=user, errors=errors, timezones=timezone_names(), **tokens.profile_context(user)
    ), 400 if errors else 200


# ---- password reset ----------------------------------------------------------------------------


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="inbox.password-reset")


def _fingerprint(user: User) -> str:
    return hashlib.sha256((user.password_hash or "unset").encode()).hexdigest()[:16]


def reset_token(user: User) -> str:
    return _serializer().dumps({"u": user.id, "p": _fingerprint(user)})


def _user_for_token(token: str) -> User | None:
    try:
        data = _serializer().loads(token, max_age=current_app.config.get("RESET_MAX_AGE", RESET_MAX_AGE))
    except (SignatureExpired, BadSignature):
        return None
    user = db.session.get(User, data.get("u")) if isinstance(data, dict) else None
    if user is None or not user.active or not secrets.compare_digest(_fingerprint(user), str(data.get("p"))):
        return None
    return user


class NoSystemMailbox(Exception):
    """No active mailbox can send system mail."""


def _reset_mail(user: User | None, email: str, invited: bool = False):
    """(mailbox, message_id, MIME) of a reset or invitation mail. For an unknown address (user None)
    the same work is done for a token nobody will receive, so the answer takes as long either way."""
    mailbox = system_mailbox()
    if mailbox is None:
        raise NoSystemMailbox(_("no active mailbox has an SMTP server"))
    token = reset_token(user) if user is not None else _serializer().dumps({"u": 0, "p": "0" * 16})
    link = external_url("auth.reset", token=token)
    hours = current_app.config.get("RESET_MAX_AGE", RESET_MAX_AGE) // 3600 or 1
    name = user.first_name if user is not None else ""
    # the agent's own language; an invitee has none yet (unless the admin chose it): the install's
    own = valid_locale(user.locale) if user is not None else None
    language = own or (install_locale() if invited else browser_locale() or install_locale())
    with force_locale(language):
        intro = (
            _("You have been invited to the team inbox. Choose a password to get started:")
            if invited
            else _("Someone (hopefully you) asked to reset the password for this inbox account. Choose a new one here:")
        )
        text = (
            "\n\n".join(
                [
                    _("Hello %(name)s,", name=name),
                    intro,
                    link,
                    ngettext(
                        "The link works once and expires in %(num)d hour. If you did not ask for this, ignore this message.",
                        "The link works once and expires in %(num)d hours. If you did not ask for this, ignore this message.",
                        hours,
                    ),
                ]
            )
            + "\n"
        )
        subject = _("Your inbox invitation") if invited else _("Reset your inbox password")
    message_id, mime = build_system_mail(mailbox, user.name if user else "", email, subject, text)
    return mailbox, message_id, mime


def send_reset_mail(user: User, invited: bool = False) -> None:
    """Queue a reset (or invitation) mail in the outbox; the worker sends it and retries while SMTP is
    down. Raises NoSystemMailbox when nothing can send it. The caller commits."""
    mailbox, message_id, mime = _reset_mail(user, user.email, invited)
    queue_system_mail(mailbox, user.email, message_id, mime)


@bp.route("/forgot", methods=["GET", "POST"])
def forgot():
    sent, status = False, 200
    if request.method == "POST":
        email = (request.form.get("email") or "").strip().lower()[:320]
        ip = ratelimit.client_ip()
        hour = timedelta(hours=1)
        if not ratelimit.allow(
            "reset_client", ip, current_app.config.get("RESET_PER_CLIENT_HOUR", RESET_PER_CLIENT_HOUR), hour
        ):
            db.session.commit()
            return render_template("auth/forgot.html", sent=False, limited=True), 429
        within = ratelimit.allow(
            "reset_request",
            ratelimit.key_of(email, ip),
            current_app.config.get("RESET_PER_ADDRESS_HOUR", RESET_PER_ADDRESS_HOUR),
            hour,
        )
        # no eager loading of the user's mailboxes: a known address must cost what an unknown one does
        user = db.session.execute(
            db.select(User).options(lazyload(User.mailboxes)).where(User.email == email)
        ).scalar_one_or_none()
        known = user is not None and user.active
        try:
            mailbox, message_id, mime = _reset_mail(user if known else None, email)
            if known and within:
                queue_system_mail(mailbox, email, message_id, mime)
        except NoSystemMailbox:  # the page must not reveal whether the account exists
            current_app.logger.warning("password reset mail not queued: no mailbox can send system mail")
        db.session.commit()
        sent = True  # same answer whether or not the address is known
    return render_template("auth/forgot.html", sent=sent, limited=False), status


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset(token: str):
    user = _user_for_token(token)
    if user is None:
        return render_template("auth/reset.html", invalid=True, errors={}), 400
    errors: dict[str, str] = {}
    if request.method == "POST":
        new = request.form.get("password") or ""
        if password_problem(new):
            errors["password"] = password_problem(new)
        elif new != request.form.get("confirm"):
            errors["confirm"] = _("The two passwords differ.")
        else:
            user.set_password(new)  # changes the fingerprint: this link is now spent
            ratelimit.clear("login_fail", key_prefix=f"{user.email}|")
            ratelimit.clear("login_fail_account", user.email)
            db.session.commit()
            flash(_("Your password is set. Log in with it now."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", invalid=False, user=user, errors=errors), 400 if errors else 200


# ---- wiring -------------------------------------------------------------------------------------


def _wants_json() -> bool:
    return (
        request.is_json
        or request.headers.get("HX-Request") == "true"
        or request.accept_mimetypes.best == "application/json"
        or request.path.endswith(".json")
    )


def init_app(app) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = N_("Please log in to continue.")
    login_manager.localize_callback = _  # translated when flashed, in the visitor's language
    login_manager.login_message_category = "info"

    @login_manager.unauthorized_handler
    def _unauthorized():
        if _wants_json():
            return jsonify(error="login required"), 401
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
