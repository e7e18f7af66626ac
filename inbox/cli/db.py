"""`inbox init-db`."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.engine import make_url

from ..i18n import gettext as _
from ..migrations_setup import upgrade_all


@click.command("init-db")
@with_appcontext
def init_db() -> None:
    """Create or upgrade the database (core and plugin tables). Safe to run again."""

    upgrade_all(current_app._get_current_object())
    click.echo(_("database ready: %(url)s", url=_safe_url(current_app.config["SQLALCHEMY_DATABASE_URI"])))


def _safe_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def register(cli: click.Group) -> None:
    cli.add_command(init_db)
