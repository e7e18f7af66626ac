"""The one CLI, `inbox`: Flask's FlaskGroup over the app factory, one module per command group."""
from __future__ import annotations

import click
from flask.cli import FlaskGroup


def _create_app():
    from .. import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False, add_default_commands=False)
def main():
    """inbox: a shared-inbox help desk."""


def init_cli(app) -> None:
    from ..plugin_host import host
    from . import db as db_cmds

    db_cmds.register(app.cli)
    for module_name in ("users", "mailboxes", "mail", "plugins", "themes", "serve", "demo"):
        try:
            module = __import__(f"inbox.cli.{module_name}", fromlist=["register"])
        except ModuleNotFoundError as exc:
            if exc.name != f"inbox.cli.{module_name}":
                raise
            continue  # a command group still being built
        module.register(app.cli)
    host(app).call("register_commands", cli=app.cli)
