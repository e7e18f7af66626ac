"""The files `inbox plugins new NAME` writes: a pip-installable plugin with a sidebar panel, a
setting, a CLI command and a passing test. examples/inbox-hello is this output for NAME=hello."""

from __future__ import annotations

import os
import re
from string import Template


class ScaffoldError(ValueError):
    pass


PYPROJECT = """\
[build-system]
requires = ["setuptools>=61", "wheel"]
build-backend = "setuptools.build_meta"

[project]
name = "inbox-$dash"
version = "0.1.0"
description = "$title: a plugin for the inbox help desk"
readme = "README.md"
requires-python = ">=3.11"
dependencies = ["inbox-helpdesk"]

[project.optional-dependencies]
test = ["pytest"]

# This line makes it a plugin: inbox finds every module named in the "inbox.plugins" group.
[project.entry-points."inbox.plugins"]
$name = "inbox_$name"

[tool.setuptools.packages.find]
include = ["inbox_$name*"]

[tool.setuptools.package-data]
inbox_$name = ["templates/**/*", "static/**/*", "migrations/*.py"]
"""

MODULE = '''\
"""$title: greets the customer in the conversation sidebar and adds `inbox $dash`.

The first paragraph of this docstring is the description on the admin plugin page.
"""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from inbox import Panel, SettingSpec, hookimpl, plugin_setting

PLUGIN_NAME = "$name"  # the entry-point name; settings and the admin page use it
__version__ = "0.1.0"


@hookimpl
def register_settings():
    return [SettingSpec(key="greeting", label="Greeting", default="Hello",
                        help="The word the sidebar panel and the command start with.")]


@hookimpl
def sidebar_panels(conversation, user):
    return [Panel(id="greeting", title="$title", render=render_panel)]


def render_panel(conversation, user):
    """Runs after the page has loaded, within a time limit. A str is escaped; return
    markupsafe.Markup to emit HTML (and escape what you put in it yourself)."""
    customer = conversation.customer.name if conversation.customer and conversation.customer.name else "there"
    return f"{plugin_setting(PLUGIN_NAME, 'greeting')}, {customer}! (from {user.name})"


@hookimpl
def register_commands(cli):
    cli.add_command(greet)


@click.command("$dash")
@click.argument("who", default="world")
@with_appcontext
def greet(who):
    """Print the greeting for WHO."""
    click.echo(f"{plugin_setting(PLUGIN_NAME, 'greeting')}, {who}!")
'''

CONFTEST = """\
import os
import sys

# lets the tests run from a checkout before `pip install -e .`
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

pytest_plugins = ["inbox.testing.fixtures"]
"""

TEST = '''\
"""Runs with `pytest`: a real app on a throwaway SQLite database (inbox.testing.fixtures)."""
import pytest

import inbox_$name
from inbox.extensions import db
from inbox.models import Conversation, Customer, Mailbox, User
from inbox.plugin_host import host


@pytest.fixture
def app_config():
    # loads the plugin even when it is not pip-installed; the same module is never loaded twice
    return {"EXTRA_PLUGINS": [inbox_$name]}


def test_sidebar_panel_greets_the_customer(app):
    mailbox = Mailbox(name="Support", email="support@example.test")
    customer = Customer(name="Ada")
    user = User(email="agent@example.test", name="Grace Hopper", role="admin")
    db.session.add_all([mailbox, customer, user])
    db.session.flush()
    conv = Conversation(number=1, mailbox_id=mailbox.id, customer_id=customer.id, subject="Hi")
    db.session.add(conv)
    db.session.commit()

    panels = host(app).call_flat("sidebar_panels", conversation=conv, user=user)
    panel = next(p for p in panels if p.id == "greeting")
    assert panel.render(conv, user) == "Hello, Ada! (from Grace Hopper)"


def test_command_uses_the_setting(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["$dash", "Bob"]).output == "Hello, Bob!\\n"
    result = runner.invoke(args=["plugins", "config", "$name", "greeting=Howdy"])
    assert result.exit_code == 0, result.output
    assert runner.invoke(args=["$dash", "Bob"]).output == "Howdy, Bob!\\n"
'''

README = """\
# inbox-$dash

$title, a plugin for the inbox help desk: a sidebar panel that greets the customer, a
`greeting` setting and an `inbox $dash` command.

    pip install -e .            # registers the entry point inbox.plugins -> inbox_$name
    inbox plugins list          # shows "$name"
    inbox $dash Ada             # Hello, Ada!
    inbox plugins config $name greeting=Howdy
    pip install -e ".[test]" && pytest tests

Restart the web app after installing. Hooks, settings, migrations and testing are described
in the inbox documentation, docs/plugins.md.
"""


def scaffold(name: str, directory: str) -> str:
    if not re.fullmatch(r"[a-z][a-z0-9_]{0,40}", name):
        raise ScaffoldError(f"plugin name {name!r}: use lower-case letters, digits and _ (start with a letter)")
    dash = name.replace("_", "-")
    root = os.path.join(directory, f"inbox-{dash}")
    if os.path.exists(root):
        raise ScaffoldError(f"{root} already exists")
    values = {"name": name, "dash": dash, "title": name.replace("_", " ").title()}
    files = {
        "pyproject.toml": PYPROJECT,
        "README.md": README,
        f"inbox_{name}/__init__.py": MODULE,
        "tests/conftest.py": CONFTEST,
        f"tests/test_{name}.py": TEST,
    }
    for rel, text in files.items():
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(Template(text).substitute(values))
    return root
