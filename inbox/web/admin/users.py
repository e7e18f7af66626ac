"""Admin: people: invite by email or set a password, role, mailbox access, deactivation."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from ...access import admin_required
from ...addresses import is_address, normalize
from ...extensions import db
from ...i18n import gettext as _
from ...models import Mailbox, User
from .forms import form_text
from .settings import bp

# ---- people ------------------------------------------------------------------------------------


@bp.get("/users")
@admin_required
def users():
    people = list(db.session.execute(db.select(User).order_by(User.active.desc(), User.name)).scalars())
    return render_template("admin/users.html", users=people)


def _admins_left(excluding: User) -> int:
    return db.session.query(User).filter(User.role == "admin", User.active.is_(True), User.id != excluding.id).count()


def fill_user(user: User, errors: dict) -> None:
    user.name = form_text("name")
    user.email = normalize(form_text("email"))
    if not user.name:
        errors["name"] = _("Enter a name.")
    if not is_address(user.email):
        errors["email"] = _("An email address like sam@example.com.")
    elif db.session.execute(db.select(User.id).where(User.email == user.email, User.id != (user.id or -1))).first():
        errors["email"] = _("Someone already has this email.")
    role = form_text("role")
    if role not in ("admin", "agent"):
        errors["role"] = _("Choose a role.")
    else:
        if user.id and user.role == "admin" and role != "admin" and not _admins_left(user):
            errors["role"] = _("This is the last active admin; make someone else admin first.")
        else:
            user.role = role
    ids = {int(i) for i in request.form.getlist("mailboxes") if i.isdigit()}
    user.mailboxes = list(db.session.execute(db.select(Mailbox).where(Mailbox.id.in_(ids))).scalars()) if ids else []


@bp.route("/users/new", methods=["GET", "POST"])
@admin_required
def user_new():
    from ...passwords import password_problem
    from ..auth import send_reset_mail

    user = User(role="agent", active=True, preferences={})
    errors: dict[str, str] = {}
    boxes = list(db.session.execute(db.select(Mailbox).order_by(Mailbox.name)).scalars())
    if request.method == "POST":
        with db.session.no_autoflush:
            fill_user(user, errors)
        password = request.form.get("password") or ""
        invite = bool(request.form.get("invite"))
        if not invite and password_problem(password):
            errors["password"] = _("%(problem)s Or send an invitation.", problem=password_problem(password))
        if not errors:
            if password:
                user.set_password(password)
            db.session.add(user)
            db.session.commit()
            if invite:
                try:
                    send_reset_mail(user, invited=True)
                    db.session.commit()
                    flash(
                        _(
                            "%(name)s added; an invitation is on its way to %(address)s.",
                            name=user.name,
                            address=user.email,
                        ),
                        "success",
                    )
                except Exception as exc:
                    flash(
                        _(
                            "%(name)s added, but the invitation could not be sent: %(reason)s",
                            name=user.name,
                            reason=exc,
                        ),
                        "error",
                    )
            else:
                flash(_("%(name)s added.", name=user.name), "success")
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
                errors["active"] = _("You cannot deactivate yourself.")
            elif not active and user.role == "admin" and not _admins_left(user):
                errors["active"] = _("This is the last active admin.")
            else:
                user.active = active
        if not errors:
            db.session.commit()
            flash(_("%(name)s saved.", name=user.name), "success")
            return redirect(url_for("admin.users"))
        db.session.rollback()
    return render_template("admin/user_form.html", user=user, errors=errors, mailboxes=boxes), 400 if errors else 200


@bp.post("/users/<int:user_id>/reset")
@admin_required
def user_reset(user_id: int):
    from ..auth import send_reset_mail

    user = db.get_or_404(User, user_id)
    try:
        send_reset_mail(user, invited=not user.password_hash)
        db.session.commit()
        flash(_("A link to set a password is on its way to %(email)s.", email=user.email), "success")
    except Exception as exc:
        flash(_("Could not send the email: %(reason)s", reason=exc), "error")
    return redirect(url_for("admin.user_edit", user_id=user.id))
