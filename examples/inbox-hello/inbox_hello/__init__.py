"""Hello: greets the customer in the conversation sidebar and adds `inbox hello`.

The first paragraph of this docstring is the description on the admin plugin page.
"""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from inbox import Panel, SettingSpec, hookimpl, plugin_setting

PLUGIN_NAME = "hello"  # the entry-point name; settings and the admin page use it
__version__ = "0.1.0"


@hookimpl
def register_settings():
    return [
        SettingSpec(
            key="greeting",
            label="Greeting",
            default="Hello",
            help="The word the sidebar panel and the command start with.",
        )
    ]


@hookimpl
def sidebar_panels(conversation, user):
    return [Panel(id="greeting", title="Hello", render=render_panel)]


def render_panel(conversation, user):
    """Runs after the page has loaded, within a time limit. A str is escaped; return
    markupsafe.Markup to emit HTML (and escape what you put in it yourself)."""
    customer = conversation.customer.name if conversation.customer and conversation.customer.name else "there"
    return f"{plugin_setting(PLUGIN_NAME, 'greeting')}, {customer}! (from {user.name})"


@hookimpl
def register_commands(cli):
    cli.add_command(greet)


@click.command("hello")
@click.argument("who", default="world")
@with_appcontext
def greet(who):
    """Print the greeting for WHO."""
    click.echo(f"{plugin_setting(PLUGIN_NAME, 'greeting')}, {who}!")
