"""Logging in and out, the agent's own profile, and password reset by emailed link."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from ..extensions import db, login_manager
from ..models import User, utcnow
from . import ui

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str | None:
    """Only same-site relative paths, so a crafted ?next= cannot send the agent elsewhere."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


def _home() -> str:
    return url_for("inbox_list.index") if "inbox_list.index" in ui.url_endpoints() else "/"


@bp.route("/login", methods=["GET", "POST"])
def login():
    next_url = _safe_next(request.values.get("next"))
    if current_user.is_authenticated:
        return redirect(next_url or _home())
    error = None
    email = (request.form.get("email") or "").strip().lower()
    if request.method == "POST":
        password = request.form.get("password") or ""
        user = db.session.execute(db.select(User).where(User.email == email)).scalar_one_or_none()
        if user is not None and user.active and user.check_password(password):
            login_user(user, remember=bool(request.form.get("remember")))
            user.last_login_at = utcnow()
            db.session.commit()
            return redirect(next_url or _home())
        error = "That email and password don't match an active account."
    status = 200 if error is None else 401
    return render_template("auth/login.html", error=error, email=email, next=next_url), status


@bp.post("/logout")
def logout():
    logout_user()
    flash("You are logged out.", "success")
    return redirect(url_for("auth.login"))


def _wants_json() -> bool:
    return (request.is_json or request.headers.get("HX-Request") == "true"
            or request.accept_mimetypes.best == "application/json" or request.path.endswith(".json"))


def init_app(app) -> None:
    ui.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to continue."
    login_manager.login_message_category = "info"

    @login_manager.unauthorized_handler
    def _unauthorized():
        if _wants_json():
            return jsonify(error="login required"), 401
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
