"""Admin pages for plugins: the list (origin, version, state, errors), the enable switch, and each
plugin's settings form, generated from its SettingSpec declarations. Reached from the admin menu
through the core plugin's ``admin_sections`` entry."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ... import plugin_settings as ps
from ...access import admin_required
from ...extensions import db
from ...i18n import gettext as _
from ...i18n.formatting import format_number
from ...models import Mailbox
from ...plugin_host import host

bp = Blueprint("plugins_admin", __name__, url_prefix="/admin/plugins")


@bp.get("/")
@admin_required
def index():
    rows = host().status()
    for row in rows:
        row["has_settings"] = bool(row["name"] in host().modules and ps.specs(row["name"]))
        row["title"], row["summary"] = _title_summary(row["name"], row["description"])
    sections = host().call_flat("admin_sections", user=current_user._get_current_object())
    return render_template("admin/plugins.html", plugins=rows, sections=sections)


def _title_summary(name: str, description: str) -> tuple[str, str]:
    """Admins read "Saved replies", not ``saved_replies``: a docstring that opens "Title: what it does"
    gives both; otherwise the package name is made readable."""
    first = (description or "").split("\n\n")[0].strip()
    head, sep, rest = first.partition(": ")
    if sep and 0 < len(head) <= 40 and "." not in head:
        return head, rest[:1].upper() + rest[1:]
    return name.replace("_", " ").capitalize(), first


def _known(name: str) -> None:
    if name not in host().names():
        abort(404)


@bp.post("/<name>/enabled")
@admin_required
def set_enabled(name: str):
    _known(name)
    enabled = request.form.get("enabled") == "1"
    host().set_state(name, enabled=enabled)
    title = _title_summary(name, host().description(name))[0]
    flash(_("%(plugin)s enabled.", plugin=title) if enabled else _("%(plugin)s disabled.", plugin=title), "success")
    return redirect(url_for(".index"))


@bp.post("/<name>/clear-error")
@admin_required
def clear_error(name: str):
    _known(name)
    host().set_state(name, last_error=None, last_error_at=None)
    return redirect(url_for(".index"))


@bp.route("/<name>/settings", methods=["GET", "POST"])
@admin_required
def settings(name: str):
    if name not in host().modules:
        abort(404)
    specs = ps.specs(name)
    mailboxes = db.session.execute(db.select(Mailbox).order_by(Mailbox.name)).scalars().all()
    mailbox = None
    if request.values.get("mailbox"):
        mailbox = db.session.get(Mailbox, request.values.get("mailbox", type=int) or 0)
        if mailbox is None:
            abort(404)
    shown = [s for s in specs if mailbox is None or s.scope == "mailbox"]
    errors: dict[str, str] = {}
    if request.method == "POST":
        errors = _save(name, shown, mailbox)
        if not errors:
            db.session.commit()
            flash(_("%(plugin)s settings saved.", plugin=_title_summary(name, host().description(name))[0]), "success")
            return redirect(url_for(".settings", name=name, mailbox=mailbox.id if mailbox else None))
        db.session.rollback()
    fields = [_field(name, spec, mailbox, errors) for spec in shown]
    title, summary = _title_summary(name, host().description(name))
    return render_template(
        "admin/plugins_settings.html",
        name=name,
        title=title,
        summary=summary,
        fields=fields,
        errors=errors,
        mailbox=mailbox,
        mailboxes=mailboxes,
        has_mailbox_scope=any(s.scope == "mailbox" for s in specs),
        description=host().description(name),
    ), 400 if errors else 200


def _save(name: str, specs, mailbox) -> dict[str, str]:
    errors = {}
    for spec in specs:
        if ps.from_env(spec) is not None:
            continue  # the environment wins; the form shows it read-only
        field = f"s_{spec.key}"
        if mailbox is not None and request.form.get(f"inherit_{spec.key}"):
            ps.unset(name, spec.key, mailbox)
            continue
        if spec.type == "boolean":
            raw = "yes" if request.form.get(field) else "no"
        else:
            raw = request.form.get(field, "")
        if spec.type == "secret" and raw == "":
            if request.form.get(f"clear_{spec.key}"):
                ps.unset(name, spec.key, mailbox)
            continue  # empty keeps the stored secret
        if spec.type == "number" and raw.strip() == "" and not spec.required:
            ps.unset(name, spec.key, mailbox)
            continue
        try:
            ps.set_value(name, spec.key, raw, mailbox)
        except ps.SettingError as exc:
            errors[spec.key] = str(exc)
    return errors


def _field(name: str, spec, mailbox, errors) -> dict:
    value = ps.get(name, spec.key, mailbox)
    source = ps.source(name, spec, mailbox)
    if errors and spec.type != "secret" and source != "env":
        # nothing was saved (rolled back), so the form keeps what the admin typed in every field
        value = (
            bool(request.form.get(f"s_{spec.key}")) if spec.type == "boolean" else request.form.get(f"s_{spec.key}", "")
        )
    return {
        "spec": spec,
        "value": "" if spec.type == "secret" else value,
        "source": source,
        "is_set": bool(value) if spec.type == "secret" else value is not None,
        "error": _field_error(spec, errors.get(spec.key)),
        "display": ps.display(spec, value),
    }


def _field_error(spec, message: str | None) -> str | None:
    """The settings' errors name their field for the CLI; under the field itself the label is noise."""
    if not message:
        return None
    message = message.removeprefix(f"{spec.label}: ")
    if message.startswith("expected a number"):
        low = format_number(spec.min) if spec.min is not None else None
        high = format_number(spec.max) if spec.max is not None else None
        if low is not None and high is not None:
            return _("Enter a number from %(low)s to %(high)s.", low=low, high=high)
        if low is not None:
            return _("Enter a number from %(low)s.", low=low)
        if high is not None:
            return _("Enter a number up to %(high)s.", high=high)
        return _("Enter a number.")
    return message[:1].upper() + message[1:]
