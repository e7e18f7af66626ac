"""Alembic wiring: the core revisions plus one branch per plugin that brings its own."""
from __future__ import annotations

import os

from .extensions import migrate

MIGRATIONS_DIR = os.path.join(os.path.dirname(__file__), "migrations")


def version_locations(app) -> list[str]:
    from .plugin_host import host

    locations = [os.path.join(MIGRATIONS_DIR, "versions")]
    for name, path in host(app).call_each("register_migrations"):
        if path and os.path.isdir(path):
            locations.append(str(path))
    return locations


@migrate.configure
def _with_plugin_locations(config):
    from flask import current_app

    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", os.pathsep.join(version_locations(current_app)))
    return config


def upgrade_all(app) -> None:
    """Create or upgrade the database to every head (core and plugins). Idempotent."""
    from flask_migrate import upgrade

    with app.app_context():
        upgrade(directory=MIGRATIONS_DIR, revision="heads")
