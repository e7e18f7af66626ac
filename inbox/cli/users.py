"""`inbox users ...`: create, list, grant mailbox access, and make sure an admin exists."""
from __future__ import annotations

import os
import secrets
import sys

import click
from flask.cli import AppGroup

from ..addresses import is_address, normalize
from ..extensions import db
from ..models import ROLES, Mailbox, User

users = AppGroup("users", help="Agents and admins.")
MIN_PASSWORD = 8


def check_email(email: str) -> str:
    """The address, normalised, or a ClickException (inbox.addresses has the rule)."""
    email = normalize(email)
    if not is_address(email):
        raise click.ClickException(f"not an email address: {email!r}")
    return email


def _check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise click.ClickException(f"the password must have at least {MIN_PASSWORD} characters")
    return password


def _find_user(email: str) -> User:
    user = db.session.execute(db.select(User).where(User.email == email.strip().lower())).scalar_one_or_none()
    if user is None:
        raise click.ClickException(f"no user with email {email}")
    return user


def find_mailbox(name_or_email: str) -> Mailbox:
    key = name_or_email.strip()
    mb = db.session.execute(db.select(Mailbox).where(
        (Mailbox.name == key) | (Mailbox.email == key.lower()))).scalar_one_or_none()
    if mb is None:
        raise click.ClickException(f"no mailbox named {key!r} (see `inbox mailboxes list`)")
    return mb


def create_user(email: str, name: str, role: str, password: str) -> User:
    if db.session.execute(db.select(User.id).where(User.email == email)).first():
        raise click.ClickException(f"a user with email {email} already exists")
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
    click.echo(f"created {user.role} {user.email} (id {user.id})")


@users.command("list")
def list_users() -> None:
    """Every user with role, state and mailboxes."""
    rows = db.session.execute(db.select(User).order_by(User.id)).scalars().all()
    if not rows:
        click.echo("no users yet: `inbox users create EMAIL --name NAME --role admin`")
        return
    for u in rows:
        boxes = "all mailboxes" if u.is_admin else (", ".join(m.name for m in u.mailboxes) or "no mailboxes")
        state = "" if u.active else " (inactive)"
        click.echo(f"{u.id}\t{u.email}\t{u.name}\t{u.role}{state}\t{boxes}")


@users.command("ensure-admin")
def ensure_admin() -> None:
    """Create the first admin unless one exists (INBOX_ADMIN_EMAIL, INBOX_ADMIN_PASSWORD).

    Without INBOX_ADMIN_PASSWORD a password is generated and printed, this once only.
    """
    existing = db.session.execute(db.select(User).where(User.role == "admin").limit(1)).scalar_one_or_none()
    if existing is not None:
        click.echo(f"an admin exists already: {existing.email}")
        return
    email = check_email(os.environ.get("INBOX_ADMIN_EMAIL") or "admin@localhost")
    password = os.environ.get("INBOX_ADMIN_PASSWORD")
    generated = not password
    if generated:
        password = secrets.token_urlsafe(12)
    user = create_user(email, os.environ.get("INBOX_ADMIN_NAME") or "Admin", "admin", _check_password(password))
    if generated:
        click.echo(f"created admin {user.email} with password: {password}")
        click.echo("(shown only now: sign in and change it)")
    else:
        click.echo(f"created admin {user.email} (password from INBOX_ADMIN_PASSWORD)")


@users.command("grant")
@click.argument("email")
@click.argument("mailbox")
def grant(email: str, mailbox: str) -> None:
    """Let an agent see MAILBOX (its name or address)."""
    user, mb = _find_user(email), find_mailbox(mailbox)
    if user.is_admin:
        click.echo(f"{user.email} is an admin and sees every mailbox already")
        return
    if mb in user.mailboxes:
        click.echo(f"{user.email} already has access to {mb.name}")
        return
    user.mailboxes.append(mb)
    db.session.commit()
    click.echo(f"{user.email} can now see {mb.name}")


def register(cli: click.Group) -> None:
    cli.add_command(users)
