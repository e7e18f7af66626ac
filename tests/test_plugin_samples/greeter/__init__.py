"""Greeter: a sample plugin with a page, a template, a stylesheet, settings, a table, a command and a job.

Used by the plugin host's tests the way a third-party plugin would be written.
"""

from __future__ import annotations

import os

import click
import sqlalchemy as sa
from flask import Blueprint, render_template
from flask.cli import with_appcontext

from inbox import Job, SettingSpec, hookimpl, plugin_setting
from inbox.extensions import db

PLUGIN_NAME = "greeter"
__version__ = "1.2.3"
HERE = os.path.dirname(__file__)
# its own MetaData: a test plugin must not add tables to the core's metadata
visits = sa.Table(
    "greeter_visit", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True), sa.Column("source", sa.String(20))
)
bp = Blueprint(
    "greeter",
    __name__,
    url_prefix="/greeter",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)


@bp.get("/")
def hello():
    db.session.execute(visits.insert().values(source="web"))
    db.session.commit()
    count = db.session.execute(sa.select(sa.func.count()).select_from(visits)).scalar()
    return render_template("greeter/hello.html", greeting=plugin_setting(PLUGIN_NAME, "greeting"), count=count)


@hookimpl
def register_blueprints(app):
    return bp


@hookimpl
def register_migrations():
    return os.path.join(HERE, "migrations")


@hookimpl
def register_settings():
    return [
        SettingSpec(key="greeting", label="Greeting", default="Hello", help="First word of every greeting."),
        SettingSpec(
            key="api_key",
            label="API key",
            type="secret",
            env="GREETER_TEST_API_KEY",
            help="Given by the greeting service.",
        ),
        SettingSpec(key="limit", label="Limit", type="number", default=3, min=1, max=10),
        SettingSpec(key="loud", label="Shout", type="boolean", default=False),
        SettingSpec(key="tone", label="Tone", type="choice", choices=["warm", "dry"], default="warm"),
        SettingSpec(
            key="signature",
            label="Signature",
            scope="mailbox",
            default="",
            help="Per mailbox; falls back to the global value.",
        ),
    ]


@click.command("greet")
@click.argument("who", default="world")
@with_appcontext
def greet(who):
    """Print a greeting."""
    text = f"{plugin_setting(PLUGIN_NAME, 'greeting')}, {who}!"
    click.echo(text.upper() if plugin_setting(PLUGIN_NAME, "loud") else text)


@hookimpl
def register_commands(cli):
    cli.add_command(greet)


def tick():
    db.session.execute(visits.insert().values(source="job"))
    db.session.commit()


@hookimpl
def register_jobs():
    return [Job(id="tick", func=tick, trigger="interval", trigger_args={"seconds": 60})]
