"""`inbox tokens ...`: personal access tokens for the REST API (create, list, revoke)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from .. import access_tokens
from ..extensions import db
from ..models import ApiToken, User

tokens = AppGroup("tokens", help="Personal access tokens for the REST API (/api/v1).")


def _user(email: str) -> User:
    user = db.session.execute(db.select(User).where(User.email == email.strip().lower())).scalar_one_or_none()
    if user is None:
        raise click.ClickException(f"no user with email {email}")
    return user


@tokens.command("create")
@click.argument("email")
@click.option("--name", required=True, help="What the token is for, e.g. the script using it.")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    type=click.Choice(access_tokens.SCOPES),
    help="Repeat for several; default: read and write conversations and customers.",
)
@click.option("--expires", type=click.IntRange(min=1), default=None, help="Days until it stops working.")
def create(email: str, name: str, scopes: tuple[str, ...], expires: int | None) -> None:
    """Create a token for EMAIL's user. The token is printed once, alone on the last line."""
    user = _user(email)
    try:
        token, raw = access_tokens.create(user, name, scopes or None, expires)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    until = f", expires {token.expires_at:%Y-%m-%d %H:%M} UTC" if token.expires_at else ""
    click.echo(f"created token {token.id} “{token.name}” for {user.email} ({' '.join(token.scopes)}{until})")
    click.echo("Store it now: it is not shown again.")
    click.echo(raw)


@tokens.command("list")
@click.argument("email")
def list_tokens(email: str) -> None:
    """EMAIL's tokens: id, name, start of the token, scopes, state, last use."""
    rows = access_tokens.tokens_of(_user(email))
    if not rows:
        click.echo("no tokens")
    for t in rows:
        state = "revoked" if t.revoked_at else (f"expires {t.expires_at:%Y-%m-%d}" if t.expires_at else "active")
        used = f"last used {t.last_used_at:%Y-%m-%d %H:%M}" if t.last_used_at else "never used"
        click.echo(f"{t.id}\t{t.name}\t{t.prefix}…\t{' '.join(t.scopes)}\t{state}\t{used}")


@tokens.command("revoke")
@click.argument("token_id", type=int)
def revoke(token_id: int) -> None:
    """Revoke the token with this id (see `inbox tokens list EMAIL`)."""
    token = db.session.get(ApiToken, token_id)
    if token is None:
        raise click.ClickException(f"no token with id {token_id}")
    if access_tokens.revoke(token):
        db.session.commit()
        click.echo(f"revoked token {token.id} “{token.name}”")
    else:
        click.echo(f"token {token.id} was revoked already")


def register(cli) -> None:
    cli.add_command(tokens)
