"""Admin: preview and switch portal themes, and set the branding every theme honours."""

from __future__ import annotations

import os
import re

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for

from ...access import admin_required
from ...extensions import db
from ...i18n import gettext as _
from ...models import set_setting
from ...storage import store
from ...themes import BRANDING_SETTING, THEME_SETTING, active_theme_name, branding, discover

bp = Blueprint("themes_admin", __name__, url_prefix="/admin/themes")
LOGO_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}  # never SVG: it can carry script
COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


@bp.get("/")
@admin_required
def index():
    return render_template(
        "admin/themes.html", themes=_themes(), active=active_theme_name(), branding=branding(), errors={}
    )


def _themes() -> list[dict]:
    return [
        {
            "name": t.name,
            "title": t.title,
            "meta": t.meta,
            "has_preview": bool(t.meta.get("preview")) and os.path.isfile(os.path.join(t.path, t.meta["preview"])),
        }
        for t in discover().values()
    ]


@bp.post("/active")
@admin_required
def activate():
    name = request.form.get("theme", "")
    if name not in discover():
        abort(404)
    set_setting(THEME_SETTING, name)
    db.session.commit()
    flash(_("The portal now uses the %(theme)s theme.", theme=discover()[name].title), "success")
    return redirect(url_for(".index"))


@bp.post("/branding")
@admin_required
def save_branding():
    current = branding()
    errors = {}
    name = request.form.get("name", "").strip()
    color = request.form.get("brand_color", "").strip()
    if not name:
        errors["name"] = _("The portal needs a name.")
    if not COLOR.match(color):
        errors["brand_color"] = _("Use a colour like #2f6fed.")
    updated = {
        **current,
        "name": name or current["name"],
        "brand_color": color if COLOR.match(color) else current["brand_color"],
        "footer_text": request.form.get("footer_text", "").strip()[:500],
        "custom_css": request.form.get("custom_css", "")[:20000],
    }
    upload = request.files.get("logo")
    if upload and upload.filename:
        data = upload.read(2 * 1024 * 1024 + 1)
        if upload.mimetype not in LOGO_TYPES:
            errors["logo"] = _("The logo must be a PNG, JPEG, GIF or WebP image.")
        elif len(data) > 2 * 1024 * 1024:
            errors["logo"] = _("The logo must be smaller than 2 MB.")
        else:
            updated["logo"] = {"sha256": store(data), "content_type": upload.mimetype}
    if request.form.get("remove_logo"):
        updated["logo"] = None
    if errors:
        return render_template(
            "admin/themes.html",
            themes=_themes(),
            active=active_theme_name(),
            branding={**updated, **{k: request.form.get(k, "") for k in ("name", "brand_color")}},
            errors=errors,
        ), 400
    set_setting(BRANDING_SETTING, updated)
    db.session.commit()
    flash(_("Branding saved."), "success")
    return redirect(url_for(".index"))


@bp.get("/<name>/preview.png")
@admin_required
def preview_image(name: str):
    theme = discover().get(name)
    if theme is None or not theme.meta.get("preview"):
        abort(404)
    path = os.path.realpath(os.path.join(theme.path, theme.meta["preview"]))
    if not path.startswith(os.path.realpath(theme.path) + os.sep) or not os.path.isfile(path):
        abort(404)
    return send_file(path, max_age=300)
