"""Logging in and out, the agent's own profile, and password reset by emailed link.

Failed logins are counted in the shared rate_event table (not process memory) so every gunicorn
worker agrees: LOGIN_MAX_FAILURES per account+IP within LOGIN_WINDOW seconds locks that pair out
until the window passes. Reset links are signed, expire after RESET_MAX_AGE seconds and carry a
fingerprint of the current password hash, so they stop working once used."""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from urllib.parse import urlsplit

from flask import (Blueprint, current_app, flash, jsonify, redirect, render_template, request,
                   url_for)
from flask_login import current_user, login_required, login_user, logout_user
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func

from ..extensions import db, login_manager
from ..models import Mailbox, RateEvent, User, utcnow
from . import tokens

bp = Blueprint("auth", __name__)
LOGIN_MAX_FAILURES = 5
LOGIN_WINDOW = 300
RESET_MAX_AGE = 3600
MIN_PASSWORD = 10


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

def _limit_key(email: str) -> str:
    return f"{email}|{request.remote_addr or '-'}"[:320]


def _recent_failures(email: str) -> tuple[int, object]:
    window = current_app.config.get("LOGIN_WINDOW", LOGIN_WINDOW)
    since = utcnow() - timedelta(seconds=window)
    count, oldest = db.session.execute(
        db.select(func.count(), func.min(RateEvent.created_at))
        .where(RateEvent.kind == "login_fail", RateEvent.key == _limit_key(email), RateEvent.created_at >= since)
    ).one()
    return count, oldest


def _locked_message(email: str) -> str | None:
    limit = current_app.config.get("LOGIN_MAX_FAILURES", LOGIN_MAX_FAILURES)
    count, oldest = _recent_failures(email)
    if count < limit:
        return None
    window = current_app.config.get("LOGIN_WINDOW", LOGIN_WINDOW)
    wait = max(1, int((oldest + timedelta(seconds=window) - utcnow()).total_seconds() // 60) + 1)
    return (f"Too many failed attempts for this account. For your security, logging in is paused; "
            f"try again in {wait} minute{'s' if wait != 1 else ''} or reset your password.")


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
                db.session.execute(db.delete(RateEvent).where(RateEvent.kind == "login_fail",
                                                               RateEvent.key == _limit_key(email)))
                login_user(user, remember=bool(request.form.get("remember")))
                user.last_login_at = utcnow()
                db.session.commit()
                return redirect(next_url or _home())
            db.session.add(RateEvent(kind="login_fail", key=_limit_key(email)))
            db.session.commit()
            error, status = "That email and password don't match an active account.", 401
            error = _locked_message(email) or error
    return render_template("auth/login.html", error=error, email=email, next=next_url), status


@bp.post("/logout")
def logout():
    logout_user()
    flash("You are logged out.", "success")
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
            errors["name"] = "Your name is shown to customers and colleagues; it cannot be empty."
        new = request.form.get("new_password") or ""
        if new:
            if not user.check_password(request.form.get("current_password") or ""):
                errors["current_password"] = "That is not your current password."
            elif len(new) < MIN_PASSWORD:
                errors["new_password"] = f"Use at least {MIN_PASSWORD} characters."
            elif new != request.form.get("confirm_password"):
                errors["confirm_password"] = "The two new passwords differ."
        if not errors:
            user.name = name
            user.signature = request.form.get("signature", "").strip() or None
            if new:
                user.set_password(new)
                # other sessions end with the old password; this one goes on under the new fingerprint
                login_user(user, remember=bool(request.cookies.get(current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token"))))
            db.session.commit()
            flash("Profile saved.", "success")
            return redirect(url_for("auth.profile"))
    return render_template("auth/profile.html", user=user, errors=errors,
                           **tokens.profile_context(user)), 400 if errors else 200


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


def send_reset_mail(user: User, invited: bool = False) -> None:
    """Sent straight away through the first active mailbox's SMTP server; raises SendError."""
    from ..mail.outbound import compose
    from ..mail.outbound.smtp import SendError, SmtpSession

    mailbox = db.session.execute(db.select(Mailbox).where(Mailbox.active.is_(True), Mailbox.smtp_host.is_not(None))
                                 .order_by(Mailbox.id).limit(1)).scalar_one_or_none()
    if mailbox is None:
        raise SendError("no mailbox with an SMTP server is configured")
    link = url_for("auth.reset", token=reset_token(user), _external=True)
    hours = current_app.config.get("RESET_MAX_AGE", RESET_MAX_AGE) // 3600 or 1
    intro = ("You have been invited to the team inbox. Choose a password to get started:" if invited else
             "Someone (hopefully you) asked to reset the password for this inbox account. Choose a new one here:")
    text = (f"Hello {user.first_name},\n\n{intro}\n\n{link}\n\nThe link works once and expires in "
            f"{hours} hour{'s' if hours != 1 else ''}. If you did not ask for this, ignore this message.\n")
    domain = mailbox.email.rsplit("@", 1)[-1]
    msg = compose.build_message(
        from_addr=compose.address(mailbox.from_name or mailbox.name, mailbox.email), to=[compose.address(user.name, user.email)],
        subject="Your inbox invitation" if invited else "Reset your inbox password",
        message_id=f"auth.{secrets.token_hex(12)}@{domain}", text=text,
        extra_headers={"Auto-Submitted": "auto-generated"})
    with SmtpSession(mailbox) as session:
        session.send(mailbox.email, [user.email], bytes(msg))


@bp.route("/forgot", methods=["GET", "POST"])
def forgot():
    sent = False
    if request.method == "POST":
        email = (request.form.get("email") or "").strip().lower()
        key = f"{email}|{request.remote_addr or '-'}"[:320]
        since = utcnow() - timedelta(hours=1)
        recent = db.session.execute(db.select(func.count()).select_from(RateEvent).where(
            RateEvent.kind == "reset_request", RateEvent.key == key, RateEvent.created_at >= since)).scalar()
        db.session.add(RateEvent(kind="reset_request", key=key))
        db.session.commit()
        user = db.session.execute(db.select(User).where(User.email == email)).scalar_one_or_none()
        if user is not None and user.active and recent < 3:
            try:
                send_reset_mail(user)
            except Exception as exc:  # the page must not reveal whether the account exists
                current_app.logger.warning("password reset mail for user %s not sent: %s", user.id, exc)
        sent = True  # same answer whether or not the address is known
    return render_template("auth/forgot.html", sent=sent)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset(token: str):
    user = _user_for_token(token)
    if user is None:
        return render_template("auth/reset.html", invalid=True, errors={}), 400
    errors: dict[str, str] = {}
    if request.method == "POST":
        new = request.form.get("password") or ""
        if len(new) < MIN_PASSWORD:
            errors["password"] = f"Use at least {MIN_PASSWORD} characters."
        elif new != request.form.get("confirm"):
            errors["confirm"] = "The two passwords differ."
        else:
            user.set_password(new)  # changes the fingerprint: this link is now spent
            db.session.execute(db.delete(RateEvent).where(RateEvent.kind == "login_fail",
                                                           RateEvent.key.like(f"{user.email}|%")))
            db.session.commit()
            flash("Your password is set. Log in with it now.", "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", invalid=False, user=user, errors=errors), 400 if errors else 200


# ---- wiring -------------------------------------------------------------------------------------

def _wants_json() -> bool:
    return (request.is_json or request.headers.get("HX-Request") == "true"
            or request.accept_mimetypes.best == "application/json" or request.path.endswith(".json"))


def init_app(app) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to continue."
    login_manager.login_message_category = "info"

    @login_manager.unauthorized_handler
    def _unauthorized():
        if _wants_json():
            return jsonify(error="login required"), 401
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))

    @app.after_request
    def _security_headers(response):
        # no page of ours may be framed by another site (clickjacking of the action buttons); routes
        # with stricter needs (the email body, attachments) set their own values first
        response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    @app.before_request
    def _secure_cookie_on_https():
        # behind TLS the session cookie must never travel over plain http
        if request.is_secure and not app.config.get("SESSION_COOKIE_SECURE"):
            app.config["SESSION_COOKIE_SECURE"] = True
            app.config["REMEMBER_COOKIE_SECURE"] = True
