"""`inbox users ...`: create, list, grant mailbox access, and make sure an admin exists."""

from __future__ import annotations

import os
import secrets
import sys

import click
from flask.cli import AppGroup

from ..addresses import is_address, normalize
from ..extensions import db
from ..i18n import gettext as _
from ..models import ROLES, Mailbox, User
from ..passwords import password_problem

users = AppGroup("users", help="Agents and admins.")


def check_email(email: str) -> str:
    """The address, normalised, or a ClickException (inbox.addresses has the rule)."""
    email = normalize(email)
    if not is_address(email):
        raise click.ClickException(_("not an email address: '%(email)s'", email=email))
    return email


def _check_password(password: str) -> str:
    problem = password_problem(password)
    if problem:
        raise click.ClickException(problem)
    return password


def _find_user(email: str) -> User:
    user = db.session.execute(db.select(User).where(User.email == email.strip().lower())).scalar_one_or_none()
    if user is None:
        raise click.ClickException(_("no user with email %(email)s", email=email))
    return user


def find_mailbox(name_or_email: str) -> Mailbox:
    key = name_or_email.strip()
    mb = db.session.execute(
        db.select(Mailbox).where((Mailbox.name == key) | (Mailbox.email == key.lower()))
    ).scalar_one_or_none()
    if mb is None:
        raise click.ClickException(_("no mailbox named '%(name)s' (see `inbox mailboxes list`)", name=key))
    return mb


def create_user(email: str, name: str, role: str, password: str) -> User:
    if db.session.execute(db.select(User.id).where(User.email == email)).first():
        raise click.ClickException(_("a user with email %(email)s already exists", email=email))
    user = User(email=email, name=name.strip() or email.split("@")[0], role=role)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    return user


@users.command("create")
@click.argument("email")
@click.option("--name", required=True, help="Full name, shown to customers on replies.")
@click.option("--role", type=click.Choice(ROLES), default="agent", show_default=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create(email: str, name: str, role: str, password_stdin: bool) -> None:
    """Create a user. Without --password-stdin the password is asked twice."""
    email = check_email(email)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    user = create_user(email, name, role, _check_password(password))
    click.echo(
        _("created admin %(email)s (id %(id)s)", email=user.email, id=user.id)
        if user.role == "admin"
        else _("created agent %(email)s (id %(id)s)", email=user.email, id=user.id)
    )


@users.command("list")
def list_users() -> None:
    """Every user with role, state and mailboxes."""
    rows = db.session.execute(db.select(User).order_by(User.id)).scalars().all()
    if not rows:
        click.echo(_("no users yet: `inbox users create EMAIL --name NAME --role admin`"))
        return
    for u in rows:
        boxes = _("all mailboxes") if u.is_admin else (", ".join(m.name for m in u.mailboxes) or _("no mailboxes"))
        state = "" if u.active else " " + _("(inactive)")
        click.echo(f"{u.id}\t{u.email}\t{u.name}\t{u.role}{state}\t{boxes}")


@users.command("ensure-admin")
def ensure_admin() -> None:
    """Create the first admin unless one exists (INBOX_ADMIN_EMAIL, INBOX_ADMIN_PASSWORD).

    Without INBOX_ADMIN_PASSWORD a password is generated and printed, this once only.
    """
    existing = db.session.execute(db.select(User).where(User.role == "admin").limit(1)).scalar_one_or_none()
    if existing is not None:
        click.echo(_("an admin exists already: %(email)s", email=existing.email))
        return
    email = check_email(os.environ.get("INBOX_ADMIN_EMAIL") or "admin@localhost")
    password = os.environ.get("INBOX_ADMIN_PASSWORD")
    generated = not password
    if generated:
        password = secrets.token_urlsafe(12)
    user = create_user(email, os.environ.get("INBOX_ADMIN_NAME") or "Admin", "admin", _check_password(password))
    if generated:
        click.echo(_("created admin %(email)s with password: %(password)s", email=user.email, password=password))
        click.echo(_("(shown only now: sign in and change it)"))
    else:
        click.echo(_("created admin %(email)s (password from INBOX_ADMIN_PASSWORD)", email=user.email))


@users.command("grant")
@click.argument("email")
@click.argument("mailbox")
def grant(email: str, mailbox: str) -> None:
    """Let an agent see MAILBOX (its name or address)."""
    user, mb = _find_user(email), find_mailbox(mailbox)
    if user.is_admin:
        click.echo(_("%(email)s is an admin and sees every mailbox already", email=user.email))
        return
    if mb in user.mailboxes:
        click.echo(_("%(email)s already has access to %(mailbox)s", email=user.email, mailbox=mb.name))
        return
    user.mailboxes.append(mb)
    db.session.commit()
    click.echo(_("%(email)s can now see %(mailbox)s", email=user.email, mailbox=mb.name))


def register(cli: click.Group) -> None:
    cli.add_command(users)
