"""Admin pages: mailboxes (servers, folders, policies, signature, a real connection test),
people (invite, roles, mailbox access, deactivate) and install-wide settings.

Mailbox passwords are write-only: the forms never render them back; an empty password field
keeps the stored one."""
from __future__ import annotations

import re

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..extensions import db
from ..models import Mailbox, User, get_setting, set_setting
from ..models.mailbox import CLOSED_POLICIES, SECURITY
from .access import admin_required

bp = Blueprint("admin", __name__, url_prefix="/admin")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
POLICY_LABELS = {"reopen": "Reopen the closed conversation", "new": "Always start a new conversation",
                 "new_after_days": "Start a new one if closed for more than N days"}


def _get(name: str) -> str:
    return (request.form.get(name) or "").strip()


def _int(name: str, errors: dict, low: int = 0, high: int = 65535, optional: bool = True) -> int | None:
    raw = _get(name)
    if not raw:
        if not optional:
            errors[name] = "Required."
        return None
    if not raw.isdigit() or not low <= int(raw) <= high:
        errors[name] = f"A whole number from {low} to {high}."
        return None
    return int(raw)


def _list(name: str) -> list[str]:
    return [p.strip() for p in re.split(r"[,\n]", request.form.get(name) or "") if p.strip()]


@bp.get("/")
@admin_required
def index():
    counts = {"mailboxes": db.session.query(Mailbox).count(), "users": db.session.query(User).filter(User.active).count()}
    return render_template("admin/index.html", counts=counts)


# ---- mailboxes ---------------------------------------------------------------------------------

@bp.get("/mailboxes")
@admin_required
def mailboxes():
    boxes = list(db.session.execute(db.select(Mailbox).order_by(Mailbox.name)).scalars())
    return render_template("admin/mailboxes.html", mailboxes=boxes)


def fill_mailbox(mb: Mailbox, errors: dict) -> None:
    """Copy the posted form onto mb, collecting errors; passwords only when typed."""
    mb.name = _get("name")
    mb.email = _get("email").lower()
    if not mb.name:
        errors["name"] = "Give the mailbox a name."
    if not EMAIL.match(mb.email or ""):
        errors["email"] = "An email address like support@example.com."
    aliases = [a.lower() for a in _list("aliases")]
    bad = [a for a in aliases if not EMAIL.match(a)]
    if bad:
        errors["aliases"] = f"Not an address: {', '.join(bad)}"
    mb.aliases = aliases
    mb.from_name = _get("from_name") or None
    mb.reply_to = _get("reply_to") or None
    for proto in ("imap", "smtp"):
        setattr(mb, f"{proto}_host", _get(f"{proto}_host") or None)
        setattr(mb, f"{proto}_port", _int(f"{proto}_port", errors, 1))
        setattr(mb, f"{proto}_user", _get(f"{proto}_user") or None)
        security = _get(f"{proto}_security")
        if security not in SECURITY:
            errors[f"{proto}_security"] = "Choose how to connect."
        else:
            setattr(mb, f"{proto}_security", security)
        password = request.form.get(f"{proto}_password") or ""
        if request.form.get(f"{proto}_password_clear"):
            getattr(mb, f"set_{proto}_password")(None)
        elif password:
            getattr(mb, f"set_{proto}_password")(password)
    mb.folders = _list("folders") or ["INBOX"]
    mb.sent_folder = _get("sent_folder") or None
    mb.signature = (request.form.get("signature") or "").strip() or None
    policy = _get("closed_policy")
    if policy not in CLOSED_POLICIES:
        errors["closed_policy"] = "Choose what happens to replies on closed conversations."
    else:
        mb.closed_policy = policy
    mb.closed_policy_days = _int("closed_policy_days", errors, 1, 3650) or mb.closed_policy_days or 30
    mb.history_days = _int("history_days", errors, 0, 3650)
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
    from ..mail import imap, send

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


# ---- people ------------------------------------------------------------------------------------

@bp.get("/users")
@admin_required
def users():
    people = list(db.session.execute(db.select(User).order_by(User.active.desc(), User.name)).scalars())
    return render_template("admin/users.html", users=people)


def _admins_left(excluding: User) -> int:
    return db.session.query(User).filter(User.role == "admin", User.active.is_(True), User.id != excluding.id).count()


def fill_user(user: User, errors: dict) -> None:
    user.name = _get("name")
    user.email = _get("email").lower()
    if not user.name:
        errors["name"] = "Enter a name."
    if not EMAIL.match(user.email or ""):
        errors["email"] = "An email address like sam@example.com."
    elif db.session.execute(db.select(User.id).where(User.email == user.email, User.id != (user.id or -1))).first():
        errors["email"] = "Someone already has this email."
    role = _get("role")
    if role not in ("admin", "agent"):
        errors["role"] = "Choose a role."
    else:
        if user.id and user.role == "admin" and role != "admin" and not _admins_left(user):
            errors["role"] = "This is the last active admin; make someone else admin first."
        else:
            user.role = role
    ids = {int(i) for i in request.form.getlist("mailboxes") if i.isdigit()}
    user.mailboxes = list(db.session.execute(db.select(Mailbox).where(Mailbox.id.in_(ids))).scalars()) if ids else []


@bp.route("/users/new", methods=["GET", "POST"])
@admin_required
def user_new():
    from .auth import MIN_PASSWORD, send_reset_mail

    user = User(role="agent", active=True, preferences={})
    errors: dict[str, str] = {}
    boxes = list(db.session.execute(db.select(Mailbox).order_by(Mailbox.name)).scalars())
    if request.method == "POST":
        with db.session.no_autoflush:
            fill_user(user, errors)
        password = request.form.get("password") or ""
        invite = bool(request.form.get("invite"))
        if not invite and len(password) < MIN_PASSWORD:
            errors["password"] = f"Set a password of at least {MIN_PASSWORD} characters, or send an invitation."
        if not errors:
            if password:
                user.set_password(password)
            db.session.add(user)
            db.session.commit()
            if invite:
                try:
                    send_reset_mail(user, invited=True)
                    flash(f"{user.name} added; an invitation is on its way to {user.email}.", "success")
                except Exception as exc:
                    flash(f"{user.name} added, but the invitation could not be sent: {exc}", "error")
            else:
                flash(f"{user.name} added.", "success")
            return redirect(url_for("admin.users"))
        if user in db.session:
            db.session.expunge(user)
    return render_template("admin/user_form.html", user=user, errors=errors, mailboxes=boxes), 400 if errors else 200


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@admin_required
def user_edit(user_id: int):
    user = db.get_or_404(User, user_id)
    errors: dict[str, str] = {}
    boxes = list(db.session.execute(db.select(Mailbox).order_by(Mailbox.name)).scalars())
    if request.method == "POST":
        with db.session.no_autoflush:
            fill_user(user, errors)
            active = bool(request.form.get("active"))
            if not active and user.id == current_user.id:
                errors["active"] = "You cannot deactivate yourself."
            elif not active and user.role == "admin" and not _admins_left(user):
                errors["active"] = "This is the last active admin."
            else:
                user.active = active
        if not errors:
            db.session.commit()
            flash(f"{user.name} saved.", "success")
            return redirect(url_for("admin.users"))
        db.session.rollback()
    return render_template("admin/user_form.html", user=user, errors=errors, mailboxes=boxes), 400 if errors else 200


@bp.post("/users/<int:user_id>/reset")
@admin_required
def user_reset(user_id: int):
    from .auth import send_reset_mail

    user = db.get_or_404(User, user_id)
    try:
        send_reset_mail(user, invited=not user.password_hash)
        flash(f"A link to set a password was sent to {user.email}.", "success")
    except Exception as exc:
        flash(f"Could not send the email: {exc}", "error")
    return redirect(url_for("admin.user_edit", user_id=user.id))


# ---- settings ----------------------------------------------------------------------------------

def subject_number_format() -> str:
    return get_setting("subject_number_format") or current_app.config.get("SUBJECT_NUMBER_FORMAT") or "[#{number}]"


@bp.route("/settings", methods=["GET", "POST"])
@admin_required
def settings():
    boxes = list(db.session.execute(db.select(Mailbox).order_by(Mailbox.name)).scalars())
    errors: dict[str, str] = {}
    if request.method == "POST":
        fmt = _get("subject_number_format")
        if fmt.count("{number}") != 1 or len(fmt) > 40 or re.search(r"[{}]", fmt.replace("{number}", "")):
            errors["subject_number_format"] = "Include {number} exactly once, e.g. [#{number}]."
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
            db.session.commit()
            apply_settings(current_app, force=True)
            flash("Settings saved.", "success")
            return redirect(url_for("admin.settings"))
        db.session.rollback()
    numbers = {mb.id: bool(get_setting(f"mailbox.{mb.id}.subject_number", False)) for mb in boxes}
    return render_template("admin/settings.html", mailboxes=boxes, errors=errors, policies=POLICY_LABELS,
                           fmt=request.form.get("subject_number_format") or subject_number_format(), numbers=numbers)


def apply_settings(app, force: bool = False) -> None:
    """Settings saved here live in the database; copy the ones the mail code reads from config."""
    import time

    state = app.extensions.setdefault("inbox_admin_settings", {"at": 0.0})
    if not force and time.monotonic() - state["at"] < 30:
        return
    state["at"] = time.monotonic()
    fmt = get_setting("subject_number_format")
    if fmt:
        app.config["SUBJECT_NUMBER_FORMAT"] = fmt


def init_app(app) -> None:
    @app.before_request
    def _load_settings():
        try:
            apply_settings(app)
        except Exception:  # a database not migrated yet must not take the site down
            db.session.rollback()
