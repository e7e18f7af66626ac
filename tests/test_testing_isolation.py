"""Issue 10: tests never touch a database they did not create. The app's own variables are often
exported in the shell that runs the tests; the inbox.testing fixtures must ignore them."""

from __future__ import annotations

import hashlib
import os
import sqlite3

import pytest

from inbox import create_app


def _digest(path) -> str:
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


@pytest.fixture
def real_install(tmp_path, monkeypatch):
    """A 'production' database and instance folder, named by exported INBOX_* variables."""
    real = tmp_path / "real"
    real.mkdir()
    db_file = real / "production.sqlite3"
    with sqlite3.connect(db_file) as conn:
        conn.execute("CREATE TABLE precious (v TEXT)")
        conn.execute("INSERT INTO precious VALUES ('customer data')")
    instance = real / "instance"
    instance.mkdir()
    (instance / "marker").write_text("the real instance")
    before = (_digest(db_file), os.stat(db_file).st_mtime_ns, sorted(os.listdir(instance)), sorted(os.listdir(real)))
    monkeypatch.setenv("INBOX_DATABASE_URL", f"sqlite:///{db_file}")
    monkeypatch.setenv("INBOX_INSTANCE_PATH", str(instance))
    monkeypatch.setenv("INBOX_SECRET_KEY", "the-real-secret")
    monkeypatch.setenv("INBOX_DISABLE_PLUGINS", "all")
    monkeypatch.setenv("INBOX_POLL_INTERVAL", "99")
    yield db_file, instance
    after = (_digest(db_file), os.stat(db_file).st_mtime_ns, sorted(os.listdir(instance)), sorted(os.listdir(real)))
    assert after == before, "the test touched the database or instance folder the environment names"


def test_fixture_app_ignores_the_environment(real_install, app, client):
    from inbox.extensions import db
    from inbox.models import User

    db_file, instance = real_install
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///" + app.instance_path)
    assert str(instance) not in app.instance_path and str(db_file) not in app.config["SQLALCHEMY_DATABASE_URI"]
    assert app.config["SECRET_KEY"] == "test-secret" and app.config["POLL_INTERVAL"] == 60
    assert app.config["DISABLE_PLUGINS"] == ""
    db.session.add(User(email="someone@example.test", name="Someone", role="agent"))
    db.session.commit()  # written to the throwaway database; real_install checks the real one after


def test_test_config_wins_over_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("INBOX_DATABASE_URL", f"sqlite:///{tmp_path}/env.db")
    monkeypatch.setenv("INBOX_INSTANCE_PATH", str(tmp_path / "env-instance"))
    monkeypatch.setenv("INBOX_FETCH_BATCH", "12")
    app = create_app(
        {"INSTANCE_PATH": str(tmp_path / "mine"), "DATABASE_URL": f"sqlite:///{tmp_path}/mine.db", "FETCH_BATCH": 13}
    )
    assert app.instance_path == str(tmp_path / "mine")
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/mine.db"  # not the env's
    assert app.config["FETCH_BATCH"] == 13
    isolated = create_app({"INSTANCE_PATH": str(tmp_path / "iso"), "IGNORE_ENVIRONMENT": True})
    assert isolated.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/iso/inbox.sqlite3"
    assert isolated.config["FETCH_BATCH"] == 200
    assert not (tmp_path / "env-instance").exists() and not (tmp_path / "env.db").exists()
