"""Bad migration: a sample plugin whose migration fails, so init-db must mark it broken."""

import os

from inbox import Link, hookimpl

PLUGIN_NAME = "bad_migration"


@hookimpl
def register_migrations():
    return os.path.join(os.path.dirname(__file__), "migrations")


@hookimpl
def nav_items(user):
    return [Link(label="Bad nav", url="/bad")]
