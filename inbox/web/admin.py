"""Admin pages: the overview and install-wide settings, plus the shared form helpers.
Mailboxes are in admin_mailboxes.py, people in admin_users.py (same blueprint)."""
from __future__ import annotations

import re

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for

from ..extensions import db
from ..i18n import gettext as _, install_locale, install_timezone, lazy_gettext, timezone_names
from ..i18n.selection import LOCALE_SETTING, TIMEZONE_SETTING, valid_locale, valid_timezone
from ..models import Mailbox, User, forget_cached_settings, get_setting, set_setting
from ..system_mail import system_mailbox
from ..models.mailbox import CLOSED_POLICIES
from .access import admin_required

bp = Blueprint("admin", __name__, url_prefix="/admin")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
POLICY_LABELS = {"reopen": lazy_gettext("Reopen the closed conversation"),
                 "new": lazy_gettext("Always start a new conversation"),
                 "new_after_days": lazy_gettext("Start a new one if closed for more than N days")}


def _get(name: str) -> str:
    return (request.form.get(name) or "").strip()


def _int(name: str, errors: dict, low: int = 0, high: int = 65535, optional: bool = True) -> int | None:
    raw = _get(name)
    if not raw:
        if not optional:
            errors[name] = _("Required.")
        return None
    if not raw.isdigit() or not low <= int(raw) <= high:
        errors[name] = _("A whole number from %(low)s to %(high)s.", low=low, high=high)
        return None
    return int(raw)


def _list(name: str) -> list[str]:
    return [p.strip() for p in re.split(r"[,\n]", request.form.get(name) or "") if p.strip()]


@bp.get("/")
@admin_required
def index():
    counts = {"mailboxes": db.session.query(Mailbox).count(), "users": db.session.query(User).filter(User.active).count()}
    return render_template("admin/index.html", counts=counts)


# ---- settings ----------------------------------------------------------------------------------

def subject_number_format() -> str:
    from ..models import subject_number_format as current

    return current()


@bp.route("/settings", methods=["GET", "POST"])
@admin_required
def settings():
    boxes = list(db.session.execute(db.select(Mailbox).order_by(Mailbox.name)).scalars())
    errors: dict[str, str] = {}
    if request.method == "POST":
        fmt = _get("subject_number_format")
        if fmt.count("{number}") != 1 or len(fmt) > 40 or re.search(r"[{}]", fmt.replace("{number}", "")):
            errors["subject_number_format"] = _("Include {number} exactly once, e.g. [#{number}].")
        # absent from the form (an older page, a script): keep what is set
        default_locale = _get("default_locale") or install_locale()
        default_timezone = _get("default_timezone") or install_timezone()
        if not valid_locale(default_locale):
            errors["default_locale"] = _("Choose a language from the list.")
        if not valid_timezone(default_timezone):
            errors["default_timezone"] = _("Choose a time zone from the list.")
        for mb in boxes:
            policy = _get(f"policy_{mb.id}")
            if policy in CLOSED_POLICIES:
                mb.closed_policy = policy
            days = _int(f"policy_days_{mb.id}", errors, 1, 3650)
            if days:
                mb.closed_policy_days = days
            mb.signature = (request.form.get(f"signature_{mb.id}") or "").strip() or None
            set_setting(f"mailbox.{mb.id}.subject_number", bool(request.form.get(f"subject_number_{mb.id}")))
        if not errors:
            set_setting("subject_number_format", fmt)
            set_setting(LOCALE_SETTING, default_locale)
            set_setting(TIMEZONE_SETTING, default_timezone)
            forget_cached_settings()
            db.session.commit()
            # this process's config too; other processes re-read the setting within SETTINGS_TTL
            current_app.config["SUBJECT_NUMBER_FORMAT"] = fmt
            flash(_("Settings saved."), "success")
            return redirect(url_for("admin.settings"))
        db.session.rollback()
    numbers = {mb.id: bool(get_setting(f"mailbox.{mb.id}.subject_number", False)) for mb in boxes}
    return render_template("admin/settings.html", mailboxes=boxes, errors=errors, policies=POLICY_LABELS,
                           system_mailbox=system_mailbox(),
                           fmt=request.form.get("subject_number_format") or subject_number_format(), numbers=numbers,
                           default_locale=request.form.get("default_locale") or install_locale(),
                           default_timezone=request.form.get("default_timezone") or install_timezone(),
                           timezones=timezone_names())


# the mailbox and people pages add their routes to bp
from . import admin_mailboxes, admin_users  # noqa: E402,F401
