"""inbox: a self-hosted shared-inbox help desk.

create_app() is a short list of init_* steps; everything it touches is local (no network work).
"""

from __future__ import annotations

import logging
import os

from flask import Flask
from sqlalchemy import event

from . import config, models  # noqa: F401  (models registers every table on db.metadata)
from .cli import init_cli as _init_cli
from .config import reads_environment
from .extensions import csrf, db, login_manager, migrate
from .hookspecs import hookimpl
from .i18n import init_i18n as _init_i18n
from .logging_setup import install_redaction
from .mail.parse.feedparser_speedups import install
from .migrations_setup import MIGRATIONS_DIR
from .plugin_host import init_plugins as _init_plugins
from .plugin_settings import plugin_setting
from .plugin_types import IncomingDecision, Job, Link, Panel, SettingSpec, Suggestion
from .web import init_web

__all__ = [
    "IncomingDecision",
    "Job",
    "Link",
    "Panel",
    "SettingSpec",
    "Suggestion",
    "create_app",
    "hookimpl",
    "plugin_setting",
]


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_path=_instance_path(test_config), instance_relative_config=True)
    init_config(app, test_config)
    init_logging(app)
    init_parsing()
    init_extensions(app)
    init_i18n(app)
    init_plugins(app)
    init_blueprints(app)
    init_cli(app)
    return app


def _instance_path(test_config: dict | None) -> str:

    from_env = os.environ.get("INBOX_INSTANCE_PATH") if reads_environment(test_config) else None
    path = (test_config or {}).get("INSTANCE_PATH") or from_env or "instance"
    path = os.path.abspath(path)
    os.makedirs(path, exist_ok=True)
    return path


def init_config(app: Flask, test_config: dict | None) -> None:
    config.load(app, test_config)


def init_logging(app: Flask) -> None:
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # otherwise a line per job run
    install_redaction(app)


def init_parsing() -> None:
    """Swap the stdlib feedparser's per-multipart regex compile for the equivalent fast matcher (a
    quarter of parse time); process-wide and idempotent, so it is done here, in the open, not as a
    side effect of importing the parser. The parse workers call it too (mail/inbound/pool.py)."""

    install()


def init_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True, compare_type=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    _sqlite_pragmas(app)


def _sqlite_pragmas(app: Flask) -> None:
    """WAL lets the web app read while the worker writes; busy_timeout waits instead of failing."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()


def init_i18n(app: Flask) -> None:
    _init_i18n(app)


def init_plugins(app: Flask) -> None:
    _init_plugins(app)


def init_blueprints(app: Flask) -> None:
    init_web(app)


def init_cli(app: Flask) -> None:
    _init_cli(app)
