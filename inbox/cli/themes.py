"""`inbox themes list|set NAME|new NAME`."""

from __future__ import annotations

import os

import click
from flask import current_app
from flask.cli import with_appcontext

from ..extensions import db
from ..i18n import gettext as _
from ..models import set_setting
from ..themes import THEME_SETTING, active_theme_name, discover, scaffold


@click.group("themes")
def themes() -> None:
    """Customer-portal themes."""


@themes.command("list")
@with_appcontext
def list_themes() -> None:
    """Every theme found, the active one marked."""

    active = active_theme_name()
    for name, theme in discover().items():
        mark = "*" if name == active else " "
        click.echo(f"{mark} {name:<16} {theme.meta.get('version', ''):<8} {theme.meta.get('description', '')}")


@themes.command("set")
@click.argument("name")
@with_appcontext
def set_theme(name: str) -> None:
    """Make NAME the active theme (takes effect at once, in every process)."""

    if name not in discover():
        raise click.ClickException(
            _("no theme named '%(name)s'; `inbox themes list` shows the installed ones", name=name)
        )
    set_setting(THEME_SETTING, name)
    db.session.commit()
    click.echo(_("active theme: %(name)s", name=name))


@themes.command("new")
@click.argument("name")
@click.option("--dir", "target", type=click.Path(file_okay=False), help="where to create it (default: instance/themes)")
@with_appcontext
def new_theme(name: str, target: str | None) -> None:
    """Scaffold a new theme from the default one."""

    target = target or os.path.join(current_app.instance_path, "themes")
    os.makedirs(target, exist_ok=True)
    try:
        path = scaffold(name, target)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(
        _(
            "created %(path)s; edit templates/portal/*.html and static/theme.css, then `inbox themes set %(name)s`",
            path=path,
            name=name,
        )
    )


def register(cli: click.Group) -> None:
    cli.add_command(themes)
