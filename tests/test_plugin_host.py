"""The plugin host: discovery, broken plugins, enabling, routes, commands, jobs, migrations, admin page."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import g
from test_plugin_samples import greeter

from inbox.extensions import db
from inbox.migrations_setup import DETACHED, upgrade_all
from inbox.models import PluginState, User
from inbox.plugin_host import host
from inbox.testing.fixtures import make_app

SAMPLES = ["test_plugin_samples.greeter", "test_plugin_samples.broken_import"]


@pytest.fixture
def app_config():
    return {"EXTRA_PLUGINS": SAMPLES}


@pytest.fixture
def migrated(app):
    assert upgrade_all(app) == {}
    return app


def login(client, user):
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)
        session["_fresh"] = True


@pytest.fixture
def admin(app):
    user = User(email="admin@example.test", name="Ada Admin", role="admin")
    db.session.add(user)
    db.session.commit()
    return user


def test_discovery_extra_plugin_loads_and_broken_one_is_reported(app):
    h = host(app)
    assert "greeter" in h.modules and h.origin["greeter"] == "extra" and h.versions["greeter"] == "1.2.3"
    assert "broken_import" not in h.modules
    assert "ModuleNotFoundError" in h.broken["broken_import"]
    assert not h.is_enabled("broken_import")
    assert {"greeter", "broken_import"} <= set(h.names())
    assert "core" not in h.names()  # the core's own hooks are never listed


def test_the_same_module_is_never_loaded_twice(tmp_path, _migrated_template):
    app = make_app(str(tmp_path / "i"), _migrated_template, EXTRA_PLUGINS=[greeter, "test_plugin_samples.greeter"])
    assert host(app).modules["greeter"] is greeter and not host(app).broken


def test_disable_plugins_config_skips_them(tmp_path, _migrated_template):
    app = make_app(str(tmp_path / "i"), _migrated_template, EXTRA_PLUGINS=SAMPLES, DISABLE_PLUGINS="greeter")
    assert "greeter" not in host(app).modules
    app = make_app(str(tmp_path / "j"), _migrated_template, EXTRA_PLUGINS=[greeter], DISABLE_PLUGINS="all")
    assert host(app).names() == ["greeter"]  # "all" is every discovered plugin; extras are explicit


def test_plugin_page_template_and_static_are_served_and_404_while_disabled(migrated, client):
    page = client.get("/greeter/")
    assert page.status_code == 200 and b"Hello from the greeter (1 visits)" in page.data
    css = client.get("/greeter/static/greeter.css")
    assert css.status_code == 200 and b"rebeccapurple" in css.data
    host(migrated).set_state("greeter", enabled=False)
    assert client.get("/greeter/").status_code == 404
    assert client.get("/greeter/static/greeter.css").status_code == 404
    host(migrated).set_state("greeter", enabled=True)
    assert client.get("/greeter/").status_code == 200  # no restart needed


def test_enabled_state_is_shared_through_the_database(migrated, tmp_path):
    other = make_app(
        str(tmp_path / "other"),
        None,
        EXTRA_PLUGINS=SAMPLES,
        SQLALCHEMY_DATABASE_URI=migrated.config["SQLALCHEMY_DATABASE_URI"],
    )
    host(migrated).set_state("greeter", enabled=False)
    host(other).forget_state()  # another process sees it after STATE_TTL; skip the wait
    assert not host(other).is_enabled("greeter")
    row = db.session.get(PluginState, "greeter")
    assert row is not None and row.enabled is False


def test_commands_of_disabled_plugins_are_not_registered(migrated, tmp_path):
    runner = migrated.test_cli_runner()
    assert runner.invoke(args=["greet", "Bob"]).output == "Hello, Bob!\n"
    assert runner.invoke(args=["plugins", "disable", "greeter"]).output == "greeter disabled\n"
    again = make_app(
        str(tmp_path / "again"),
        None,
        EXTRA_PLUGINS=SAMPLES,
        SQLALCHEMY_DATABASE_URI=migrated.config["SQLALCHEMY_DATABASE_URI"],
    )
    result = again.test_cli_runner().invoke(args=["greet", "Bob"])
    assert result.exit_code != 0 and "No such command" in result.output
    assert runner.invoke(args=["plugins", "enable", "nope"]).exit_code != 0


def test_cli_list_shows_origin_version_state_and_errors(migrated):
    runner = migrated.test_cli_runner()
    host(migrated).record_error("greeter", "nav_items", RuntimeError("kaput"))
    out = runner.invoke(args=["plugins", "list"]).output
    line = next(l for l in out.splitlines() if l.startswith("greeter"))
    assert "enabled" in line and "extra 1.2.3" in line and "Greeter: a sample plugin" in line
    assert "last error" in out and "nav_items: RuntimeError: kaput" in out
    assert "broken_import" in out and "broken: ModuleNotFoundError" in out
    runner.invoke(args=["plugins", "disable", "greeter"])
    out = runner.invoke(args=["plugins", "list"]).output
    assert "disabled" in next(l for l in out.splitlines() if l.startswith("greeter"))


def test_jobs_run_guarded_in_app_context_only_while_enabled(migrated):
    jobs = host(migrated).jobs()
    plugin, job = next((p, j) for p, j in jobs if p == "greeter")
    assert job.id == "greeter:tick" and job.trigger == "interval" and job.trigger_args == {"seconds": 60}
    count = sa.text("select count(*) from greeter_visit where source = 'job'")
    job.func()
    assert db.session.execute(count).scalar() == 1
    host(migrated).set_state("greeter", enabled=False)
    job.func()
    assert db.session.execute(count).scalar() == 1
    host(migrated).set_state("greeter", enabled=True)
    db.session.execute(sa.text("drop table greeter_visit"))
    db.session.commit()
    assert job.func() is None  # raising job: recorded, not raised to the scheduler
    assert "job tick: OperationalError" in db.session.get(PluginState, "greeter").last_error


def test_plugin_migration_creates_its_table_and_is_idempotent(migrated):
    assert "greeter_visit" in sa.inspect(db.engine).get_table_names()
    versions = {r for (r,) in db.session.execute(sa.text("select version_num from alembic_version"))}
    assert "gr_0001" in versions
    assert upgrade_all(migrated) == {}


def test_failing_migration_marks_plugin_broken_and_the_rest_still_upgrades(tmp_path):
    app = make_app(str(tmp_path / "i"), None, EXTRA_PLUGINS=SAMPLES + ["test_plugin_samples.bad_migration"])
    failed = upgrade_all(app)
    assert list(failed) == ["bad_migration"] and "migration failed" in failed["bad_migration"]
    with app.app_context():
        tables = sa.inspect(db.engine).get_table_names()
        assert "conversation" in tables and "greeter_visit" in tables
        h = host(app)
        assert not h.is_enabled("bad_migration") and "THIS IS NOT SQL" in h.broken_reason("bad_migration")
        assert h.is_enabled("greeter")
        assert h.call_flat("nav_items", user=None) == []  # a broken plugin's hooks never run
        out = app.test_cli_runner().invoke(args=["plugins", "list"]).output
        assert "bad_migration        broken" in out


def test_uninstalled_plugin_revisions_are_set_aside_and_restored(tmp_path):
    url = f"sqlite:///{tmp_path}/shared.sqlite3"
    with_greeter = make_app(str(tmp_path / "a"), None, EXTRA_PLUGINS=SAMPLES, SQLALCHEMY_DATABASE_URI=url)
    assert upgrade_all(with_greeter) == {}
    without = make_app(str(tmp_path / "b"), None, SQLALCHEMY_DATABASE_URI=url)
    assert upgrade_all(without) == {}  # would fail on an unknown revision without the set-aside
    with without.app_context():
        assert db.session.execute(sa.text(f"select version_num from {DETACHED}")).scalars().all() == ["gr_0001"]
    back = make_app(str(tmp_path / "c"), None, EXTRA_PLUGINS=SAMPLES, SQLALCHEMY_DATABASE_URI=url)
    assert upgrade_all(back) == {}  # not re-run: create_table would fail on the existing table
    with back.app_context():
        versions = set(db.session.execute(sa.text("select version_num from alembic_version")).scalars())
        assert "gr_0001" in versions


def test_admin_page_lists_plugins_and_toggles_them(migrated, client, admin):
    assert migrated.test_client().get("/admin/plugins/").status_code in (302, 401)  # login first
    g.pop("_login_user", None)  # requests share the fixture's app context, where flask-login caches the user
    login(client, admin)
    host(migrated).record_error("greeter", "sidebar panel x", ValueError("<b>bad</b>"))
    page = client.get("/admin/plugins/").get_data(as_text=True)
    # the docstring's "Title: summary" is shown as a title and a summary
    assert "greeter" in page and "1.2.3" in page and "<strong>Greeter</strong>" in page and "A sample plugin" in page
    assert "broken_import" in page and "ModuleNotFoundError" in page
    assert "&lt;b&gt;bad&lt;/b&gt;" in page and "<b>bad</b>" not in page  # errors are escaped
    assert 'href="/admin/plugins/"' in page  # the core plugin's admin_sections link
    resp = client.post("/admin/plugins/greeter/enabled", data={"enabled": "0"})
    assert resp.status_code == 302
    assert not host(migrated).is_enabled("greeter")
    assert "Disabled" in client.get("/admin/plugins/").get_data(as_text=True)
    client.post("/admin/plugins/greeter/clear-error")
    assert db.session.get(PluginState, "greeter").last_error is None
    assert client.post("/admin/plugins/nope/enabled", data={"enabled": "1"}).status_code == 404


def test_admin_page_refuses_agents_and_needs_csrf(tmp_path, _migrated_template):
    app = make_app(str(tmp_path / "i"), _migrated_template, EXTRA_PLUGINS=SAMPLES, WTF_CSRF_ENABLED=True)
    with app.app_context():
        agent = User(email="agent@example.test", name="Al Agent", role="agent")
        boss = User(email="boss@example.test", name="Bo Boss", role="admin")
        db.session.add_all([agent, boss])
        db.session.commit()
        client = app.test_client()
        login(client, agent)
        assert client.get("/admin/plugins/").status_code == 404
        login(client, boss)
        assert client.post("/admin/plugins/greeter/enabled", data={"enabled": "0"}).status_code == 400
        assert host(app).is_enabled("greeter")


def test_scaffold_refuses_bad_names_and_existing_folders(app, tmp_path):
    runner = app.test_cli_runner()
    made = runner.invoke(args=["plugins", "new", "tracker", "--dir", str(tmp_path)])
    assert made.exit_code == 0 and (tmp_path / "inbox-tracker" / "inbox_tracker" / "__init__.py").exists()
    pyproject = (tmp_path / "inbox-tracker" / "pyproject.toml").read_text()
    assert '[project.entry-points."inbox.plugins"]\ntracker = "inbox_tracker"' in pyproject
    again = runner.invoke(args=["plugins", "new", "tracker", "--dir", str(tmp_path)])
    assert again.exit_code != 0 and "already exists" in again.output
    bad = runner.invoke(args=["plugins", "new", "Bad-Name", "--dir", str(tmp_path)])
    assert bad.exit_code != 0 and "use lower-case letters" in bad.output
