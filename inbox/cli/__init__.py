"""The one CLI, `inbox`: Flask's FlaskGroup over the app factory, one module per command group,
each registered here by name."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import FlaskGroup

from ..plugin_host import host
from . import db, demo, mail, mailboxes, plugins, serve, themes, tokens, users


def _create_app() -> Flask:
    from .. import create_app  # noqa: PLC0415  cycle: inbox/__init__ imports this module (init_cli)

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False, add_default_commands=False)
def main() -> None:
    """inbox: a shared-inbox help desk."""


def init_cli(app: Flask) -> None:
    for group in (db, users, tokens, mailboxes, mail, plugins, themes, serve, demo):
        group.register(app.cli)
    host(app).call("register_commands", cli=app.cli)
