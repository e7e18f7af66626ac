"""Configuration: defaults here, then instance/config.py, then INBOX_* environment, then test config.

The three variables the whole product honours (CLI, web, worker) are INBOX_INSTANCE_PATH,
INBOX_DATABASE_URL and INBOX_SECRET_KEY; any other INBOX_FOO sets config key FOO.

Test config wins over everything, derived keys included (its DATABASE_URL beats INBOX_DATABASE_URL).
With ``IGNORE_ENVIRONMENT: True`` in the test config no INBOX_* variable is read at all: the
fixtures of ``inbox.testing`` set it, so tests run in a shell where the app's variables are exported
never see (or migrate, or write to) the database those variables name.
"""

from __future__ import annotations

import json
import os

from .net import parse_networks


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
    # a bigger mail is still stored raw (downloadable) and its text shown, but its HTML is not rendered
    MAX_MESSAGE_BYTES = 25 * 1024 * 1024
    # HTML beyond this many characters is cut before sanitising (the original stays downloadable)
    MAX_HTML_CHARS = 1_500_000
    DISABLE_PLUGINS = ""  # "all" or a comma separated list
    PLUGIN_PANEL_TIMEOUT = 3.0
    # Server-side fetches (inbox.net): private/loopback/link-local networks opened for them,
    # comma-separated CIDRs, e.g. "10.0.5.0/24,127.0.0.1/32". Empty: public addresses only.
    WEBHOOK_ALLOWED_NETWORKS = ""
    # Language and time zone: the install's defaults (Admin -> Settings overrides them in the database)
    DEFAULT_LOCALE = "en"  # any language with a catalogue in inbox/translations
    DEFAULT_TIMEZONE = "UTC"  # an IANA name, e.g. "Asia/Seoul"
    # Web
    # the one external address of the app: every absolute link in mail is built on it, and requests
    # naming another Host are refused (400). scripts/run.sh asks for it; see docs/deploy.md
    BASE_URL = None  # default http://127.0.0.1:5000
    EXTRA_TRUSTED_HOSTS: list = []  # further Host names accepted (not used for links)
    # hops of reverse proxies in front of the app whose X-Forwarded-* headers are trusted (werkzeug
    # ProxyFix); 0 = ignore the header. One nginx/caddy on the same machine: PROXY_FIX_X_FOR=1
    PROXY_FIX_X_FOR = 0
    PROXY_FIX_X_PROTO = 0
    PROXY_FIX_X_HOST = 0
    PROXY_FIX_X_PORT = 0
    PROXY_FIX_X_PREFIX = 0
    HTTPS = None  # Secure cookies; None: on when BASE_URL is https://
    HSTS_SECONDS = 0  # Strict-Transport-Security max-age when HTTPS; usually set by the proxy instead
    MAX_FORM_MEMORY_SIZE = 2 * 1024 * 1024  # non-file form fields held in memory per request
    PORTAL_SESSION_HOURS = 12  # a portal sign-in lasts this long, then a new link is needed
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


def reads_environment(test_config: dict | None) -> bool:
    return not (test_config or {}).get("IGNORE_ENVIRONMENT")


def load(app, test_config: dict | None) -> None:
    app.config.from_object(Defaults)
    app.config.from_pyfile("config.py", silent=True)
    environment = os.environ.items() if reads_environment(test_config) else ()
    for key, value in environment:
        if key.startswith("INBOX_") and key != "INBOX_INSTANCE_PATH":
            name = key[len("INBOX_") :]
            if name == "DATABASE_URL":
                app.config["SQLALCHEMY_DATABASE_URI"] = value
            elif name in ("SECRET_KEY", "ENCRYPTION_KEY", "DISABLE_PLUGINS", "BASE_URL"):
                app.config[name] = value
            else:
                app.config[name] = _coerce(value)
    if test_config:
        app.config.update(test_config)
        if test_config.get("DATABASE_URL") and not test_config.get("SQLALCHEMY_DATABASE_URI"):
            app.config["SQLALCHEMY_DATABASE_URI"] = test_config["DATABASE_URL"]  # beats INBOX_DATABASE_URL
    if "DATABASE_URL" in app.config and not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = app.config["DATABASE_URL"]
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(app.instance_path, "inbox.sqlite3")
    if not app.config.get("ATTACHMENTS_DIR"):
        app.config["ATTACHMENTS_DIR"] = os.path.join(app.instance_path, "attachments")
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(app.instance_path)
    _derive_web(app.config)
    _check_networks(app.config.get("WEBHOOK_ALLOWED_NETWORKS"))


LOOPBACK_NAMES = ("127.0.0.1", "localhost")


def _derive_web(config) -> None:
    """Settings that follow from others, computed once here: nothing writes config after start-up."""
    from urllib.parse import urlsplit

    from .urls import DEFAULT_BASE_URL, check_base_url

    config["BASE_URL"] = check_base_url(config.get("BASE_URL") or DEFAULT_BASE_URL)
    extra = config.get("EXTRA_TRUSTED_HOSTS") or []
    if isinstance(extra, str):
        extra = [h.strip() for h in extra.split(",") if h.strip()]
    if config.get("TRUSTED_HOSTS") is None:
        host = urlsplit(config["BASE_URL"]).hostname
        # a local install answers to every loopback name (people type localhost for 127.0.0.1);
        # links still use BASE_URL
        aliases = LOOPBACK_NAMES if host in LOOPBACK_NAMES else ()
        config["TRUSTED_HOSTS"] = list(dict.fromkeys([host, *aliases, *extra]))
    https = config.get("HTTPS")
    if https is None:
        https = config["BASE_URL"].startswith("https://")
    config["HTTPS"] = bool(https)
    # an explicit True stays; otherwise the cookies follow HTTPS (never a request's headers)
    config["SESSION_COOKIE_SECURE"] = bool(config.get("SESSION_COOKIE_SECURE")) or config["HTTPS"]
    config["REMEMBER_COOKIE_SECURE"] = bool(config.get("REMEMBER_COOKIE_SECURE")) or config["HTTPS"]
    if config.get("MAX_CONTENT_LENGTH") is None:
        # the largest upload we accept plus room for the form around it; the proxy's
        # client_max_body_size should match (docs/deploy.md)
        config["MAX_CONTENT_LENGTH"] = int(config["MAX_ATTACHMENT_BYTES"]) + 1024 * 1024


def _check_networks(value) -> None:
    """A typo in the allow-list fails at start-up, not on the first fetch in a worker thread."""
    try:
        parse_networks(value)
    except ValueError as exc:
        raise RuntimeError(f"WEBHOOK_ALLOWED_NETWORKS is not a list of networks: {exc}") from None


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
