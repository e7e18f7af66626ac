"""Admin: mailboxes (servers, folders, policies, signature) and a real connection test.

Passwords are write-only: the forms never render them back; an empty password field keeps the
stored one."""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for

from ...extensions import db
from ...models import Mailbox, get_setting, set_setting
from ...models.mailbox import CLOSED_POLICIES, SECURITY
from ...access import admin_required
from .forms import EMAIL, POLICY_LABELS, form_int, form_list, form_text
from .settings import bp


# ---- mailboxes ---------------------------------------------------------------------------------

@bp.get("/mailboxes")
@admin_required
def mailboxes():
    boxes = list(db.session.execute(db.select(Mailbox).order_by(Mailbox.name)).scalars())
    return render_template("admin/mailboxes.html", mailboxes=boxes)


def fill_mailbox(mb: Mailbox, errors: dict) -> None:
    """Copy the posted form onto mb, collecting errors; passwords only when typed."""
    mb.name = form_text("name")
    mb.email = form_text("email").lower()
    if not mb.name:
        errors["name"] = "Give the mailbox a name."
    if not EMAIL.match(mb.email or ""):
        errors["email"] = "An email address like support@example.com."
    aliases = [a.lower() for a in form_list("aliases")]
    bad = [a for a in aliases if not EMAIL.match(a)]
    if bad:
        errors["aliases"] = f"Not an address: {', '.join(bad)}"
    mb.aliases = aliases
    mb.from_name = form_text("from_name") or None
    mb.reply_to = form_text("reply_to") or None
    for proto in ("imap", "smtp"):
        setattr(mb, f"{proto}_host", form_text(f"{proto}_host") or None)
        setattr(mb, f"{proto}_port", form_int(f"{proto}_port", errors, 1))
        setattr(mb, f"{proto}_user", form_text(f"{proto}_user") or None)
        security = form_text(f"{proto}_security")
        if security not in SECURITY:
            errors[f"{proto}_security"] = "Choose how to connect."
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
        errors["closed_policy"] = "Choose what happens to replies on closed conversations."
    else:
        mb.closed_policy = policy
    mb.closed_policy_days = form_int("closed_policy_days", errors, 1, 3650) or mb.closed_policy_days or 30
    mb.history_days = form_int("history_days", errors, 0, 3650)
    mb.portal_enabled = bool(request.form.get("portal_enabled"))
    mb.active = bool(request.form.get("active"))


def _unique_mailbox(mb: Mailbox, errors: dict) -> None:
    for field in ("name", "email"):
        other = db.session.execute(db.select(Mailbox.id).where(getattr(Mailbox, field) == getattr(mb, field),
                                                               Mailbox.id != (mb.id or -1))).first()
        if other:
            errors[field] = f"Another mailbox already uses this {field}."


@bp.route("/mailboxes/new", methods=["GET", "POST"])
@admin_required
def mailbox_new():
    mb = Mailbox(folders=["INBOX"], imap_security="ssl", smtp_security="starttls", closed_policy="reopen",
                 closed_policy_days=30, portal_enabled=True, active=True, aliases=[])
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
            flash(f"Mailbox {mb.name} created. Use “Test connection” to check the servers.", "success")
            return redirect(url_for("admin.mailbox_edit", mailbox_id=mb.id))
    return render_template("admin/mailbox_form.html", mb=mb, errors=errors, policies=POLICY_LABELS,
                           securities=SECURITY, subject_number=bool(request.form.get("subject_number"))), 400 if errors else 200


@bp.route("/mailboxes/<int:mailbox_id>", methods=["GET", "POST"])
@admin_required
def mailbox_edit(mailbox_id: int):
    mb = db.get_or_404(Mailbox, mailbox_id)
    errors: dict[str, str] = {}
    if request.method == "POST":
        with db.session.no_autoflush:
            fill_mailbox(mb, errors)
            _unique_mailbox(mb, errors)
        if not errors:
            set_setting(f"mailbox.{mb.id}.subject_number", bool(request.form.get("subject_number")))
            db.session.commit()
            flash(f"Mailbox {mb.name} saved.", "success")
            return redirect(url_for("admin.mailbox_edit", mailbox_id=mb.id))
        db.session.rollback()
        mb = db.get_or_404(Mailbox, mailbox_id)
    subject_number = bool(get_setting(f"mailbox.{mb.id}.subject_number", False))
    return render_template("admin/mailbox_form.html", mb=mb, errors=errors, policies=POLICY_LABELS,
                           securities=SECURITY, subject_number=subject_number), 400 if errors else 200


def check_servers(mb: Mailbox) -> list[tuple[str, bool, str]]:
    """Really log in to IMAP and SMTP; report each server's own words."""
    from ...mail.inbound import sync as imap
    from ...mail.outbound import smtp as send

    results = []
    if mb.imap_host:
        try:
            client = imap.connect(mb, timeout=10)
            try:
                folders = [f[2] for f in client.list_folders()]
            finally:
                imap._close(client)
            missing = [f for f in mb.folders or [] if f not in folders]
            note = f"Logged in; {len(folders)} folders." + (f" Missing: {', '.join(missing)}." if missing else "")
            results.append(("IMAP", not missing, note))
        except Exception as exc:
            results.append(("IMAP", False, str(exc)))
    else:
        results.append(("IMAP", False, "No IMAP server set."))
    if mb.smtp_host:
        try:
            client = send.connect_smtp(mb, timeout=10)
            send._quit(client)
            results.append(("SMTP", True, "Connected" + (" and logged in." if mb.smtp_user else " (no login set).")))
        except Exception as exc:
            results.append(("SMTP", False, send.describe(exc).reason))
    else:
        results.append(("SMTP", False, "No SMTP server set."))
    return results


@bp.post("/mailboxes/test")
@bp.post("/mailboxes/<int:mailbox_id>/test")
@admin_required
def mailbox_test(mailbox_id: int | None = None):
    """Tests the values in the form (not yet saved), with stored passwords where none was typed."""
    stored = db.get_or_404(Mailbox, mailbox_id) if mailbox_id else None
    probe = Mailbox(folders=["INBOX"], aliases=[], closed_policy="reopen", closed_policy_days=30)
    errors: dict[str, str] = {}
    with db.session.no_autoflush:
        fill_mailbox(probe, errors)
    if stored is not None:
        for proto in ("imap", "smtp"):
            if not request.form.get(f"{proto}_password") and not request.form.get(f"{proto}_password_clear"):
                setattr(probe, f"{proto}_password_enc", getattr(stored, f"{proto}_password_enc"))
    if probe in db.session:
        db.session.expunge(probe)
    results = check_servers(probe)
    current_app.logger.info("connection test for mailbox %s: %s", mailbox_id or "(new)",
                            ", ".join(f"{n} {'ok' if ok else 'failed'}" for n, ok, _ in results))
    return render_template("admin/_test_results.html", results=results)
