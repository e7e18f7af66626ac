"""pytest fixtures: a migrated app on a throwaway SQLite file (or PostgreSQL: pg_app), Dovecot, an SMTP sink.

Use from a plugin's tests with ``pytest -p inbox.testing.fixtures`` or
``pytest_plugins = ["inbox.testing.fixtures"]`` in a conftest.

Every app made here ignores the INBOX_* environment (``IGNORE_ENVIRONMENT``): tests are often run
in the shell that runs the real app, and must never touch a database they did not create. Give a
test its settings through the ``app_config`` fixture. (INBOX_TEST_DATABASE=postgresql, read by
the ``app`` fixture itself, only chooses a throwaway PostgreSQL server instead of SQLite.)
"""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile

import pytest

from .servers import DovecotServer, SmtpSink

_users = itertools.count(1)
ISOLATED = {"IGNORE_ENVIRONMENT": True}  # no INBOX_* variable reaches a test app


@pytest.fixture(scope="session")
def dovecot():
    server = DovecotServer().start()
    yield server
    server.cleanup()


@pytest.fixture
def imap_account(dovecot):
    """A fresh IMAP user on the shared Dovecot: (user, password)."""
    user = f"u{os.getpid()}x{next(_users)}"
    dovecot.add_user(user, "pw-" + user)
    return user, "pw-" + user


@pytest.fixture
def smtp_sink():
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture(scope="session")
def _migrated_template():
    """Run the migrations once per session; each test copies the resulting file."""
    from .. import create_app
    from ..migrations_setup import upgrade_all

    folder = tempfile.mkdtemp(prefix="inbox-tpl-")
    app = create_app({"INSTANCE_PATH": folder, "SECRET_KEY": "test-secret", "TESTING": True, **ISOLATED})
    upgrade_all(app)
    with app.app_context():
        from ..extensions import db

        db.engine.dispose()
    yield os.path.join(folder, "inbox.sqlite3")
    shutil.rmtree(folder, ignore_errors=True)


def make_app(instance_path: str, template_db: str | None = None, **config):
    from .. import create_app

    os.makedirs(instance_path, exist_ok=True)
    if template_db:
        shutil.copy(template_db, os.path.join(instance_path, "inbox.sqlite3"))
    settings = {
        "INSTANCE_PATH": instance_path,
        "SECRET_KEY": "test-secret",
        "TESTING": True,
        "WTF_CSRF_ENABLED": False,
        "UNDO_SEND_SECONDS": 0,
        # the test client's host; live servers (inbox.testing.live) listen on 127.0.0.1
        "BASE_URL": "http://localhost",
        "EXTRA_TRUSTED_HOSTS": ["127.0.0.1"],
        **ISOLATED,
    }
    settings.update(config)
    return create_app(settings)


@pytest.fixture
def app_config():
    """Override in a test module to give the app extra config."""
    return {}


@pytest.fixture
def app(request, tmp_path, app_config):
    """A migrated app on SQLite; on PostgreSQL (pg_app) when INBOX_TEST_DATABASE=postgresql."""
    if os.environ.get("INBOX_TEST_DATABASE") == "postgresql":
        yield from _on_postgres(*request.getfixturevalue("_pg_template"), tmp_path, app_config)
        return
    template = request.getfixturevalue("_migrated_template")
    yield from _in_context(make_app(str(tmp_path / "instance"), template, **app_config))


def _in_context(app):
    @app.before_request
    def _forget_cached_login():
        # The test keeps one app context open (so it can use db.session), and requests reuse it;
        # flask-login caches the user on g, so without this a second client would be the first.
        from flask import g

        g.pop("_login_user", None)

    with app.app_context():
        yield app
        from ..extensions import db

        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def pg_server():
    """A throwaway PostgreSQL cluster for the session (see inbox.testing.postgres)."""
    from .postgres import PgServer

    server = PgServer().start()
    yield server
    server.cleanup()


@pytest.fixture(scope="session")
def _pg_template(pg_server):
    """(server, database) migrated once (core and every plugin branch); each pg_app test clones it.
    The server travels with the name: a module that star-imports these fixtures gets its own pg_server."""
    from .. import create_app
    from ..migrations_setup import upgrade_all

    name = f"tpl{os.getpid()}"
    url = pg_server.create_database(name)
    folder = tempfile.mkdtemp(prefix="inbox-pgtpl-")
    app = create_app(
        {
            "INSTANCE_PATH": folder,
            "SECRET_KEY": "test-secret",
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": url,
            **ISOLATED,
        }
    )
    failed = upgrade_all(app)
    assert not failed, failed
    with app.app_context():
        from ..extensions import db

        db.engine.dispose()  # CREATE DATABASE ... TEMPLATE refuses a template with open connections
    shutil.rmtree(folder, ignore_errors=True)
    return pg_server, name


@pytest.fixture
def pg_app(tmp_path, _pg_template, app_config):
    """Like ``app``, on a fresh PostgreSQL database copied from the migrated template."""
    yield from _on_postgres(*_pg_template, tmp_path, app_config)


def _on_postgres(pg_server, template: str, tmp_path, app_config):
    url = pg_server.new_database(template=template)
    yield from _in_context(make_app(str(tmp_path / "instance"), SQLALCHEMY_DATABASE_URI=url, **app_config))
    pg_server.drop_database(url.rsplit("/", 1)[1])


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def mailbox(app, dovecot, imap_account, smtp_sink):
    """A Mailbox wired to a fresh Dovecot user and the SMTP sink."""
    return make_mailbox(dovecot, imap_account, smtp_sink)


def make_mailbox(dovecot, imap_account, smtp_sink):
    """The `mailbox` fixture's mailbox, on whatever app is current (e.g. a PostgreSQL one)."""
    from ..extensions import db
    from ..models import Mailbox

    user, password = imap_account
    mb = Mailbox(
        name=f"Support {user}",
        email=f"{user}@support.test",
        imap_host=dovecot.host,
        imap_port=dovecot.port,
        imap_user=user,
        imap_security="none",
        smtp_host=smtp_sink.host,
        smtp_port=smtp_sink.port,
        smtp_security="none",
        folders=["INBOX"],
        history_days=None,
    )
    mb.set_imap_password(password)
    db.session.add(mb)
    db.session.commit()
    return mb
