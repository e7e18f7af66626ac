"""Admin pages: the overview and install-wide settings. Mailboxes are in mailboxes.py, people in
users.py (same blueprint, wired in admin/__init__.py); the form helpers are in forms.py."""

from __future__ import annotations

import re

from flask import Blueprint, flash, redirect, render_template, request, url_for

from ...access import admin_required
from ...extensions import db
from ...i18n import gettext as _
from ...i18n import install_locale, install_timezone, timezone_names
from ...i18n.selection import LOCALE_SETTING, TIMEZONE_SETTING, valid_locale, valid_timezone
from ...models import Mailbox, User, forget_cached_settings, get_setting, set_setting, subject_number_format
from ...models.mailbox import CLOSED_POLICIES
from ...system_mail import system_mailbox
from .forms import POLICY_LABELS, form_int, form_text

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/")
@admin_required
def index():
    counts = {
        "mailboxes": db.session.query(Mailbox).count(),
        "users": db.session.query(User).filter(User.active).count(),
    }
    return render_template("admin/index.html", counts=counts)


# ---- settings ----------------------------------------------------------------------------------


@bp.route("/settings", methods=["GET", "POST"])
@admin_required
def settings():
    boxes = list(db.session.execute(db.select(Mailbox).order_by(Mailbox.name)).scalars())
    errors: dict[str, str] = {}
    if request.method == "POST":
        fmt = form_text("subject_number_format")
        if fmt.count("{number}") != 1 or len(fmt) > 40 or re.search(r"[{}]", fmt.replace("{number}", "")):
            errors["subject_number_format"] = _("Include {number} exactly once, e.g. [#{number}].")
        # absent from the form (an older page, a script): keep what is set
        default_locale = form_text("default_locale") or install_locale()
        default_timezone = form_text("default_timezone") or install_timezone()
        if not valid_locale(default_locale):
            errors["default_locale"] = _("Choose a language from the list.")
        if not valid_timezone(default_timezone):
            errors["default_timezone"] = _("Choose a time zone from the list.")
        for mb in boxes:
            policy = form_text(f"policy_{mb.id}")
            if policy in CLOSED_POLICIES:
                mb.closed_policy = policy
            days = form_int(f"policy_days_{mb.id}", errors, 1, 3650)
            if days:
                mb.closed_policy_days = days
            mb.signature = (request.form.get(f"signature_{mb.id}") or "").strip() or None
            set_setting(f"mailbox.{mb.id}.subject_number", bool(request.form.get(f"subject_number_{mb.id}")))
        if not errors:
            set_setting("subject_number_format", fmt)
            set_setting(LOCALE_SETTING, default_locale)
            set_setting(TIMEZONE_SETTING, default_timezone)
            forget_cached_settings()
            db.session.commit()  # every process re-reads the setting within SETTINGS_TTL
            flash(_("Settings saved."), "success")
            return redirect(url_for("admin.settings"))
        db.session.rollback()
    numbers = {mb.id: bool(get_setting(f"mailbox.{mb.id}.subject_number", False)) for mb in boxes}
    return render_template(
        "admin/settings.html",
        mailboxes=boxes,
        errors=errors,
        policies=POLICY_LABELS,
        system_mailbox=system_mailbox(),
        fmt=request.form.get("subject_number_format") or subject_number_format(),
        numbers=numbers,
        default_locale=request.form.get("default_locale") or install_locale(),
        default_timezone=request.form.get("default_timezone") or install_timezone(),
        timezones=timezone_names(),
    )
