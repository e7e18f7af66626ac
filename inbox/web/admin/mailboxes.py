"""Admin: mailboxes (servers, folders, policies, signature) and a real connection test.

Passwords are write-only: the forms never render them back; an empty password field keeps the
stored one."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from ...access import admin_required
from ...addresses import is_address, normalize
from ...extensions import db
from ...i18n import gettext as _
from ...i18n.selection import valid_locale
from ...mail.check import CheckResult, check_imap, check_smtp
from ...models import Mailbox, get_setting, set_setting
from ...models.mailbox import CLOSED_POLICIES, SECURITY
from .forms import POLICY_LABELS, form_int, form_list, form_text
from .settings import bp

# ---- mailboxes ---------------------------------------------------------------------------------


@bp.get("/mailboxes")
@admin_required
def mailboxes() -> str:
    boxes = list(db.session.execute(db.select(Mailbox).order_by(Mailbox.name)).scalars())
    return render_template("admin/mailboxes.html", mailboxes=boxes)


def fill_mailbox(mb: Mailbox, errors: dict) -> None:
    """Copy the posted form onto mb, collecting errors; passwords only when typed."""
    mb.name = form_text("name")
    mb.email = normalize(form_text("email"))
    if not mb.name:
        errors["name"] = _("Give the mailbox a name.")
    if not is_address(mb.email):
        errors["email"] = _("An email address like support@example.com.")
    aliases = [normalize(a) for a in form_list("aliases")]
    bad = [a for a in aliases if not is_address(a)]
    if bad:
        errors["aliases"] = _("Not an address: %(addresses)s", addresses=", ".join(bad))
    mb.aliases = aliases
    mb.from_name = form_text("from_name") or None
    mb.reply_to = form_text("reply_to") or None
    for proto in ("imap", "smtp"):
        setattr(mb, f"{proto}_host", form_text(f"{proto}_host") or None)
        setattr(mb, f"{proto}_port", form_int(f"{proto}_port", errors, 1))
        setattr(mb, f"{proto}_user", form_text(f"{proto}_user") or None)
        security = form_text(f"{proto}_security")
        if security not in SECURITY:
            errors[f"{proto}_security"] = _("Choose how to connect.")
        else:
            setattr(mb, f"{proto}_security", security)
        password = request.form.get(f"{proto}_password") or ""
        if request.form.get(f"{proto}_password_clear"):
            getattr(mb, f"set_{proto}_password")(None)
        elif password:
            getattr(mb, f"set_{proto}_password")(password)
    mb.folders = form_list("folders") or ["INBOX"]
    mb.sent_folder = form_text("sent_folder") or None
    mb.signature = (request.form.get("signature") or "").strip() or None
    policy = form_text("closed_policy")
    if policy not in CLOSED_POLICIES:
        errors["closed_policy"] = _("Choose what happens to replies on closed conversations.")
    else:
        mb.closed_policy = policy
    mb.closed_policy_days = form_int("closed_policy_days", errors, 1, 3650) or mb.closed_policy_days or 30
    mb.history_days = form_int("history_days", errors, 0, 3650)
    locale = form_text("locale")
    if locale and not valid_locale(locale):
        errors["locale"] = _("Choose a language from the list.")
    else:
        mb.locale = locale or None  # None: the install's default language
    mb.portal_enabled = bool(request.form.get("portal_enabled"))
    mb.active = bool(request.form.get("active"))


def _unique_mailbox(mb: Mailbox, errors: dict) -> None:
    for field in ("name", "email"):
        other = db.session.execute(
            db.select(Mailbox.id).where(getattr(Mailbox, field) == getattr(mb, field), Mailbox.id != (mb.id or -1))
        ).first()
        if other:
            errors[field] = (
                _("Another mailbox already uses this name.")
                if field == "name"
                else _("Another mailbox already uses this email address.")
            )


@bp.route("/mailboxes/new", methods=["GET", "POST"])
@admin_required
def mailbox_new() -> ResponseReturnValue:
    mb = Mailbox(
        folders=["INBOX"],
        imap_security="ssl",
        smtp_security="starttls",
        closed_policy="reopen",
        closed_policy_days=30,
        portal_enabled=True,
        active=True,
        aliases=[],
    )
    errors: dict[str, str] = {}
    if request.method == "POST":
        with db.session.no_autoflush:
            fill_mailbox(mb, errors)
            _unique_mailbox(mb, errors)
        if not errors:
            db.session.add(mb)
            db.session.flush()
            set_setting(f"mailbox.{mb.id}.subject_number", bool(request.form.get("subject_number")))
            db.session.commit()
            flash(_("Mailbox %(name)s created. Use “Test connection” to check the servers.", name=mb.name), "success")
            return redirect(url_for("admin.mailbox_edit", mailbox_id=mb.id))
    return render_template(
        "admin/mailbox_form.html",
        mb=mb,
        errors=errors,
        policies=POLICY_LABELS,
        securities=SECURITY,
        subject_number=bool(request.form.get("subject_number")),
    ), 400 if errors else 200


@bp.route("/mailboxes/<int:mailbox_id>", methods=["GET", "POST"])
@admin_required
def mailbox_edit(mailbox_id: int) -> ResponseReturnValue:
    mb = db.get_or_404(Mailbox, mailbox_id)
    errors: dict[str, str] = {}
    if request.method == "POST":
        with db.session.no_autoflush:
            fill_mailbox(mb, errors)
            _unique_mailbox(mb, errors)
        if not errors:
            set_setting(f"mailbox.{mb.id}.subject_number", bool(request.form.get("subject_number")))
            db.session.commit()
            flash(_("Mailbox %(name)s saved.", name=mb.name), "success")
            return redirect(url_for("admin.mailbox_edit", mailbox_id=mb.id))
        db.session.rollback()
        mb = db.get_or_404(Mailbox, mailbox_id)
    subject_number = bool(get_setting(f"mailbox.{mb.id}.subject_number", False))
    return render_template(
        "admin/mailbox_form.html",
        mb=mb,
        errors=errors,
        policies=POLICY_LABELS,
        securities=SECURITY,
        subject_number=subject_number,
    ), 400 if errors else 200


def _same_server(stored: Mailbox, probe: Mailbox, proto: str) -> bool:
    """The form names the server the stored password belongs to (host, port, user and security)."""

    def key(mb: Mailbox) -> tuple:
        host = getattr(mb, f"{proto}_host")
        return (
            (host or "").strip().lower(),
            getattr(mb, f"{proto}_port"),
            getattr(mb, f"{proto}_user"),
            getattr(mb, f"{proto}_security"),
        )

    return key(stored) == key(probe)


@bp.post("/mailboxes/test")
@bp.post("/mailboxes/<int:mailbox_id>/test")
@admin_required
def mailbox_test(mailbox_id: int | None = None) -> str:
    """Tests the values in the form (not yet saved). A stored password is used only for the very
    server it was saved for: the stored passwords are write-only, and must not be sent to a host,
    port, user or security an admin (or a stolen admin session) types in (security review 15)."""
    stored = db.get_or_404(Mailbox, mailbox_id) if mailbox_id else None
    probe = Mailbox(folders=["INBOX"], aliases=[], closed_policy="reopen", closed_policy_days=30)
    errors: dict[str, str] = {}
    with db.session.no_autoflush:
        fill_mailbox(probe, errors)
    untested: dict[str, CheckResult] = {}
    if stored is not None:
        for proto in ("imap", "smtp"):
            if request.form.get(f"{proto}_password") or request.form.get(f"{proto}_password_clear"):
                continue
            if _same_server(stored, probe, proto):
                setattr(probe, f"{proto}_password_enc", getattr(stored, f"{proto}_password_enc"))
            elif getattr(stored, f"{proto}_password_enc"):
                untested[proto] = CheckResult(
                    proto.upper(),
                    False,
                    _("Type the password again to test a changed server, port, user or security."),
                    "",
                )
    if probe in db.session:
        db.session.expunge(probe)
    results = [untested.get("imap") or check_imap(probe), untested.get("smtp") or check_smtp(probe)]
    current_app.logger.info(
        "connection test for mailbox %s: %s",
        mailbox_id or "(new)",
        ", ".join(f"{r.server} {'ok' if r.ok else 'failed'}" for r in results),
    )
    return render_template("admin/_test_results.html", results=[(r.server, r.ok, r.note) for r in results])
