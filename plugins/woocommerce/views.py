"""The plugin's own pages: the reply popover, the refresh action, and the admin page with its
connection test. Every route checks who is asking; every form is CSRF-protected by the app."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, has_request_context, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup

from inbox.access import conversation_or_404

from . import cache
from .diagnose import diagnose, warnings_for
from .service import orders_for
from .settings import SPECS, load, panel_budget

bp = Blueprint(
    "woocommerce", __name__, url_prefix="/plugins/woocommerce", template_folder="templates", static_folder="static"
)
POPOVER_BUDGET = 8.0  # the popover is opened by a click, not bound by the panel time limit


def render_panel(conversation, user) -> Markup:
    """The sidebar panel (called by the host off the request thread, within its time limit)."""
    refresh = has_request_context() and request.args.get("refresh") == "1"
    result = orders_for(conversation, budget=panel_budget(), refresh=refresh)
    return Markup(render_template("woocommerce/panel.html", r=result, conversation=conversation, user=user))


@bp.get("/conversations/<int:conversation_id>/orders")
@login_required
def popover(conversation_id: int):
    conv = conversation_or_404(conversation_id)
    result = orders_for(conv, budget=POPOVER_BUDGET)
    return render_template("woocommerce/popover.html", r=result, conversation=conv)


@bp.post("/conversations/<int:conversation_id>/refresh")
@login_required
def refresh(conversation_id: int):
    conv = conversation_or_404(conversation_id)
    if conv.customer is not None:
        cache.forget(conv.customer.id)
    if request.headers.get("X-Requested-With") == "fetch":
        return "", 204
    back = request.referrer or ""
    if urlsplit(back).netloc != request.host:  # never an open redirect
        back = f"/conversations/{conv.number}"
    return redirect(back)


def _admin_only():
    if not current_user.is_authenticated or not current_user.is_admin:
        abort(404)


def _settings_url() -> str | None:
    for endpoint, args in (
        ("plugins_admin.settings", {"name": "woocommerce"}),
        ("plugins_admin.plugin", {"name": "woocommerce"}),
        ("plugins_admin.index", {}),
    ):
        try:
            return url_for(endpoint, **args)
        except Exception:
            continue
    return None


@bp.route("/admin", methods=["GET", "POST"])
@login_required
def admin():
    _admin_only()
    config = load()
    result = diagnose(config.store) if request.method == "POST" else None
    key = config.store.key
    masked_key = (key[:3] + "…" + key[-4:]) if len(key) > 8 else ("set" if key else "")
    return render_template(
        "woocommerce/admin.html",
        config=config,
        result=result,
        masked_key=masked_key,
        warnings=warnings_for(config.store) if config.store.url else [],
        specs=SPECS,
        settings_url=_settings_url(),
    )
