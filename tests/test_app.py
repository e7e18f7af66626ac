"""The app factory, configuration order and migrations."""

import os

from sqlalchemy import inspect

from inbox import create_app
from inbox.extensions import db
from inbox.migrations_setup import upgrade_all


def test_config_order(tmp_path, monkeypatch):
    inst = tmp_path / "inst"
    inst.mkdir()
    (inst / "config.py").write_text("HISTORY_DAYS = 3\nPOLL_INTERVAL = 7\nFETCH_BATCH = 9\n")
    monkeypatch.setenv("INBOX_INSTANCE_PATH", str(inst))
    monkeypatch.setenv("INBOX_POLL_INTERVAL", "11")
    monkeypatch.setenv("INBOX_FETCH_BATCH", "12")
    monkeypatch.setenv("INBOX_SECRET_KEY", "from-env")
    app = create_app({"FETCH_BATCH": 13})
    assert app.instance_path == str(inst)
    assert app.config["HISTORY_DAYS"] == 3  # instance config beats defaults
    assert app.config["POLL_INTERVAL"] == 11  # environment beats instance config
    assert app.config["FETCH_BATCH"] == 13  # test config beats environment
    assert app.config["SECRET_KEY"] == "from-env"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite:///" + str(inst / "inbox.sqlite3")


def test_database_url_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("INBOX_DATABASE_URL", f"sqlite:///{tmp_path}/other.db")
    app = create_app({"INSTANCE_PATH": str(tmp_path / "i")})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/other.db"


def test_secret_key_generated_once_and_kept(tmp_path):
    a = create_app({"INSTANCE_PATH": str(tmp_path)})
    b = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert a.config["SECRET_KEY"] and a.config["SECRET_KEY"] == b.config["SECRET_KEY"]
    assert oct(os.stat(tmp_path / "secret_key").st_mode & 0o777) == "0o600"


def test_migrations_create_every_table_and_are_idempotent(tmp_path):
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x"})
    upgrade_all(app)
    upgrade_all(app)
    with app.app_context():
        tables = set(inspect(db.engine).get_table_names())
    assert set(db.metadata.tables) <= tables


def test_passwords_encrypted_at_rest(app):
    from inbox.models import Mailbox

    mb = Mailbox(name="m", email="m@x.test")
    mb.set_imap_password("hunter2-secret")
    db.session.add(mb)
    db.session.commit()
    raw = db.session.execute(db.text("select imap_password_enc from mailbox")).scalar()
    assert "hunter2" not in raw
    assert mb.imap_password() == "hunter2-secret"
    assert "hunter2" not in repr(mb)
