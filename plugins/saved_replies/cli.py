"""`inbox saved-replies export FILE` and `inbox saved-replies import FILE`."""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext

from inbox.extensions import db
from inbox.models import User

from .i18n import _, ngettext


def _user(email: str | None) -> User:
    """The user whose view exports, or who owns imported replies; the first admin by default."""
    stmt = (
        db.select(User).where(User.email == email.strip().lower())
        if email
        else db.select(User).where(User.role == "admin", User.active.is_(True)).order_by(User.id)
    )
    user = db.session.execute(stmt.limit(1)).scalar()
    if user is None:
        raise click.ClickException(
            _("no user %(email)s", email=email) if email else _("no admin user exists; pass --as EMAIL")
        )
    return user


@click.group("saved-replies")
def group():
    """Saved replies: export and import as JSON."""


@group.command("export")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--as", "as_user", metavar="EMAIL", help="Export what this user sees (default: first admin).")
@click.option("--scope", type=click.Choice(["global", "mailbox", "personal"]), multiple=True)
@with_appcontext
def export_cmd(file: str, as_user: str | None, scope: tuple[str, ...]):
    from .transfer import export

    document = export(_user(as_user), set(scope) or None)
    with click.open_file(file, "w", encoding="utf-8") as f:
        json.dump(document, f, indent=2, ensure_ascii=False)
    click.echo(
        ngettext("exported %(num)d saved reply", "exported %(num)d saved replies", len(document["replies"])),
        err=file == "-",
    )


@group.command("import")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True, exists=True))
@click.option("--as", "as_user", metavar="EMAIL", help="Owner of personal replies (default: first admin).")
@with_appcontext
def import_cmd(file: str, as_user: str | None):
    from .service import ReplyError
    from .transfer import import_

    with click.open_file(file, "r", encoding="utf-8") as f:
        try:
            document = json.load(f)
        except ValueError as exc:
            raise click.ClickException(f"{file} is not JSON: {exc}") from None
    try:
        added, skipped, problems = import_(_user(as_user), document)
    except ReplyError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(
        ngettext(
            "imported %(num)d saved reply, %(skipped)d already present",
            "imported %(num)d saved replies, %(skipped)d already present",
            added,
            skipped=skipped,
        )
    )
    for problem in problems:
        click.echo(_("skipped %(problem)s", problem=problem), err=True)
