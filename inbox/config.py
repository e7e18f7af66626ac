"""Configuration: defaults here, then instance/config.py, then INBOX_* environment, then test config.

The three variables the whole product honours (CLI, web, worker) are INBOX_INSTANCE_PATH,
INBOX_DATABASE_URL and INBOX_SECRET_KEY; any other INBOX_FOO sets config key FOO.
"""
from __future__ import annotations

import json
import os


class Defaults:
    SECRET_KEY = None  # generated into instance/secret_key on first start when unset
    ENCRYPTION_KEY = None  # Fernet key for secrets at rest; derived from SECRET_KEY when unset
    SQLALCHEMY_DATABASE_URI = None  # default: sqlite file in the instance folder
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    ATTACHMENTS_DIR = None  # default: <instance>/attachments
    # Mail pipeline
    HISTORY_DAYS = 14  # first sync of a mailbox imports only this window
    FETCH_BATCH = 200  # UIDs fetched per IMAP round trip
    PARSE_WORKERS = None  # processes parsing a large import in parallel; None: one per core minus one
    PARSE_POOL_MIN = 1000  # messages in one pass before the parallel pipeline is worth starting
    IDLE_TIMEOUT = 300  # seconds before re-issuing IDLE (RFC 2177 says < 29 min)
    POLL_INTERVAL = 60  # seconds between polls where IDLE is unsupported
    LEASE_SECONDS = 120  # a worker's claim on a folder
    OUTBOX_MAX_ATTEMPTS = 8
    OUTBOX_BACKOFF = [30, 60, 300, 900, 1800, 3600, 7200, 14400]
    UNDO_SEND_SECONDS = 10
    # REST API: weighted requests per token per window (writes count double); 0 turns the limit off
    API_RATE_LIMIT = 600
    API_RATE_WINDOW = 60  # seconds
    API_IDEMPOTENCY_HOURS = 24  # how long an Idempotency-Key's first answer is replayed
    REFERENCES_MAX = 20  # message ids kept in an outgoing References header
    SUBJECT_NUMBER_FORMAT = "[#{number}]"
    MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
    DISABLE_PLUGINS = ""  # "all" or a comma separated list
    PLUGIN_PANEL_TIMEOUT = 3.0
    # Web
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None
    SEND_FILE_MAX_AGE_DEFAULT = 3600
    WORKER_IN_PROCESS = False  # tests and `inbox run --worker` start the worker beside the web app


def _coerce(value: str):
    """Environment values are strings; accept JSON for numbers, booleans and lists."""
    try:
        return json.loads(value)
    except ValueError:
        return value


def load(app, test_config: dict | None) -> None:
    app.config.from_object(Defaults)
    app.config.from_pyfile("config.py", silent=True)
    for key, value in os.environ.items():
        if key.startswith("INBOX_") and key != "INBOX_INSTANCE_PATH":
            name = key[len("INBOX_"):]
            if name == "DATABASE_URL":
                app.config["SQLALCHEMY_DATABASE_URI"] = value
            elif name in ("SECRET_KEY", "ENCRYPTION_KEY", "DISABLE_PLUGINS"):
                app.config[name] = value
            else:
                app.config[name] = _coerce(value)
    if test_config:
        app.config.update(test_config)
    if "DATABASE_URL" in app.config and not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = app.config["DATABASE_URL"]
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(app.instance_path, "inbox.sqlite3")
    if not app.config.get("ATTACHMENTS_DIR"):
        app.config["ATTACHMENTS_DIR"] = os.path.join(app.instance_path, "attachments")
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(app.instance_path)


def _instance_secret(instance_path: str) -> str:
    """A stable per-install secret, so signed Message-IDs and sessions survive restarts."""
    path = os.path.join(instance_path, "secret_key")
    try:
        with open(path) as f:
            return f.read().strip()
    except FileNotFoundError:
        import secrets

        key = secrets.token_urlsafe(48)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(key)
        return key
