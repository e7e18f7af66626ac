"""Alembic wiring: the core revisions plus one branch per plugin that brings its own.

``inbox init-db`` (upgrade_all) upgrades the core first, then each plugin's branch on its own, so
a plugin whose migration fails is marked broken (PluginState.broken) while the core and the other
plugins are upgraded. A plugin folder whose revisions cannot even be loaded is left out the same
way. Revisions recorded in the database whose plugin is no longer installed are set aside in
``alembic_version_detached`` (and put back when it returns), so uninstalling a plugin never
blocks init-db. ``flask db ...`` commands see the core revisions only.
"""

from __future__ import annotations

import logging
import os

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from flask import Flask
from sqlalchemy import inspect, text

from .extensions import db, migrate
from .plugin_host import host

MIGRATIONS_DIR = os.path.join(os.path.dirname(__file__), "migrations")
CORE_VERSIONS = os.path.join(MIGRATIONS_DIR, "versions")
DETACHED = "alembic_version_detached"
log = logging.getLogger("inbox.migrations")


def plugin_locations(app: Flask) -> dict[str, str]:
    """plugin name -> its migrations folder, for every loaded plugin (enabled or not)."""

    out = {}
    for name, path in host(app).call_each("register_migrations", include_disabled=True):
        if path and os.path.isdir(path):
            out[name] = str(path)
        elif path:
            host(app).set_state(name, broken=f"migrations folder {path} does not exist")
    return out


def version_locations(app: Flask) -> list[str]:
    return [CORE_VERSIONS, *plugin_locations(app).values()]


@migrate.configure
def _core_only(config):
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", CORE_VERSIONS)
    return config


def _config(locations: list[str]):
    cfg = Config(os.path.join(MIGRATIONS_DIR, "alembic.ini"))
    cfg.set_main_option("script_location", MIGRATIONS_DIR)
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("version_locations", os.pathsep.join(locations))
    return cfg


def _heads(locations: list[str]) -> set[str]:
    script = ScriptDirectory.from_config(_config(locations))
    return {rev.revision for rev in script.revision_map.get_revisions("heads")}


def _known(locations: list[str]) -> set[str]:
    return {rev.revision for rev in ScriptDirectory.from_config(_config(locations)).walk_revisions()}


def _detach_unknown(known: set[str]) -> None:
    """Move recorded revisions no installed code knows into DETACHED, and known ones back."""

    with db.engine.begin() as conn:
        tables = set(inspect(conn).get_table_names())
        if "alembic_version" not in tables:
            return
        if DETACHED not in tables:
            conn.execute(text(f"CREATE TABLE {DETACHED} (version_num VARCHAR(64) PRIMARY KEY)"))
        for (rev,) in conn.execute(text(f"SELECT version_num FROM {DETACHED}")).all():
            if rev in known:
                conn.execute(text(f"DELETE FROM {DETACHED} WHERE version_num = :r"), {"r": rev})
                conn.execute(text("INSERT INTO alembic_version (version_num) VALUES (:r)"), {"r": rev})
        for (rev,) in conn.execute(text("SELECT version_num FROM alembic_version")).all():
            if rev not in known:
                log.warning("revision %s belongs to no installed plugin; set aside in %s", rev, DETACHED)
                conn.execute(text("DELETE FROM alembic_version WHERE version_num = :r"), {"r": rev})
                conn.execute(text(f"INSERT INTO {DETACHED} (version_num) VALUES (:r)"), {"r": rev})


def upgrade_all(app: Flask) -> dict[str, str]:
    """Create or upgrade the database to every head (core and plugins). Idempotent.

    Returns {plugin: error} for plugins whose migrations failed; those are marked broken.
    """

    failed: dict[str, str] = {}
    with app.app_context():
        plugins: dict[str, tuple[str, set[str]]] = {}
        core_heads = _heads([CORE_VERSIONS])
        for name, location in plugin_locations(app).items():
            try:
                plugins[name] = (location, _heads([CORE_VERSIONS, location]) - core_heads)
            except Exception as exc:  # a revision file that does not load, a bad down_revision
                failed[name] = f"migrations cannot be loaded: {type(exc).__name__}: {exc}"
        locations = [CORE_VERSIONS] + [loc for loc, _ in plugins.values()]
        _detach_unknown(_known(locations))
        cfg = _config(locations)
        for head in sorted(core_heads):
            command.upgrade(cfg, head)
        for name, (_location, heads) in plugins.items():
            try:
                for head in sorted(heads):
                    command.upgrade(cfg, head)
            except Exception as exc:
                failed[name] = f"migration failed: {type(exc).__name__}: {exc}"
            else:
                if host(app).broken_reason(name) and name not in host(app).broken:
                    host(app).set_state(name, broken=None)  # a fixed migration clears the mark
        for name, reason in failed.items():
            log.error("plugin %s: %s", name, reason)
            host(app).set_state(name, broken=reason[:2000])
    return failed
