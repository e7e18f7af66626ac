"""The profile page's "API tokens" card: create a token (its secret shown once, on the page that
answers the POST, never stored or flashed) and revoke one. The rules live in inbox.access_tokens."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from .. import access_tokens
from ..extensions import db
from ..i18n import gettext as _
from ..models import ApiToken, User

bp = Blueprint("tokens", __name__)


def profile_context(user: User, **extra) -> dict:
    """What auth/profile.html needs for its tokens card (the profile view adds it too)."""
    return {
        "tokens": access_tokens.tokens_of(user),
        "token_scopes": access_tokens.SCOPES,
        "default_scopes": access_tokens.DEFAULT_SCOPES,
        **extra,
    }


@bp.post("/profile/tokens")
@login_required
def create():
    user: User = current_user._get_current_object()
    scopes = request.form.getlist("scopes")
    expires = request.form.get("expires_days", "").strip()
    errors: dict[str, str] = {}
    if expires and not expires.isdigit():
        errors["token_name"] = _("Days must be a whole number.")
    else:
        try:
            token, raw = access_tokens.create(
                user, request.form.get("token_name", ""), scopes or None, int(expires) if expires else None
            )
        except ValueError as exc:
            errors["token_name"] = _("The token was not created: %(reason)s", reason=str(exc))
            db.session.rollback()
    if errors:
        return render_template("auth/profile.html", user=user, errors=errors, **profile_context(user)), 400
    db.session.commit()
    # shown in this response only: a flash would keep the secret in the session cookie
    response = render_template(
        "auth/profile.html", user=user, errors={}, **profile_context(user, new_token=raw, new_token_name=token.name)
    )
    return response, 200, {"Cache-Control": "no-store"}


@bp.post("/profile/tokens/<int:token_id>/revoke")
@login_required
def revoke(token_id: int):
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != current_user.id:  # someone else's token is not there at all
        abort(404)
    if access_tokens.revoke(token):
        db.session.commit()
        flash(_("Token “%(name)s” revoked.", name=token.name), "success")
    return redirect(url_for("auth.profile") + "#tokens")
