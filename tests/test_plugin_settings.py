"""Plugin settings: declared types, validation, encrypted and masked secrets, environment,
mailbox scope, the generated admin form and `inbox plugins config`."""

from __future__ import annotations

import logging

import pytest

import inbox
from inbox import plugin_settings as ps
from inbox.extensions import db
from inbox.models import Mailbox, PluginSetting, User

SECRET = "sk-live-8f3a9c71d2"


@pytest.fixture
def app_config():
    return {"EXTRA_PLUGINS": ["test_plugin_samples.greeter"]}


@pytest.fixture
def mailboxes(app):
    a, b = Mailbox(name="Sales", email="sales@example.test"), Mailbox(name="Help", email="help@example.test")
    db.session.add_all([a, b])
    db.session.commit()
    return a, b


@pytest.fixture
def admin_client(app, client):
    user = User(email="admin@example.test", name="Ada Admin", role="admin")
    db.session.add(user)
    db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)
    return client


def test_defaults_and_typed_values(app):
    assert inbox.plugin_setting("greeter", "greeting") == "Hello"
    assert inbox.plugin_setting("greeter", "limit") == 3
    ps.set_value("greeter", "limit", "7")
    ps.set_value("greeter", "loud", "yes")
    ps.set_value("greeter", "tone", "dry")
    db.session.commit()
    assert inbox.plugin_setting("greeter", "limit") == 7
    assert inbox.plugin_setting("greeter", "loud") is True
    assert inbox.plugin_setting("greeter", "tone") == "dry"
    ps.set_value("greeter", "limit", "2.5")
    assert inbox.plugin_setting("greeter", "limit") == 2.5


@pytest.mark.parametrize(
    "key,raw,message",
    [
        ("limit", "many", "Limit: expected a number, got 'many'"),
        ("limit", "0", "Limit: must be at least 1, got 0"),
        ("limit", "11", "Limit: must be at most 10, got 11"),
        ("loud", "perhaps", "Shout: expected yes or no"),
        ("tone", "sarcastic", "Tone: choose one of warm, dry, got 'sarcastic'"),
        ("colour", "red", "plugin greeter has no setting 'colour' (settings: greeting, api_key"),
    ],
)
def test_validation_errors_are_clear(app, key, raw, message):
    with pytest.raises(ps.SettingError) as info:
        ps.set_value("greeter", key, raw)
    assert message in str(info.value)


def test_bad_declaration_is_the_plugins_error(app):
    from inbox.models import PluginState
    from inbox.plugin_types import SettingSpec

    with pytest.raises(ps.SettingError, match="a choice needs choices"):
        ps.check_spec(SettingSpec(key="x", label="X", type="choice"))
    with pytest.raises(ps.SettingError, match="type 'colour' is not one of"):
        ps.check_spec(SettingSpec(key="x", label="X", type="colour"))

    class Sloppy:
        PLUGIN_NAME = "sloppy"

        @inbox.hookimpl
        def register_settings(self):
            return [SettingSpec(key="ok", label="OK"), SettingSpec(key="bad", label="Bad", scope="galaxy"), "junk"]

    from inbox.plugin_host import host

    h = host(app)
    h.pm.register(Sloppy(), name="sloppy")
    h.modules["sloppy"] = Sloppy
    assert [s.key for s in ps.specs("sloppy")] == ["ok"]
    assert "not inbox.SettingSpec" in db.session.get(PluginState, "sloppy").last_error


def test_mailbox_scope_falls_back_to_global(app, mailboxes):
    sales, help_ = mailboxes
    assert inbox.plugin_setting("greeter", "signature", mailbox=sales) == ""
    ps.set_value("greeter", "signature", "-- the team")
    ps.set_value("greeter", "signature", "-- sales", mailbox=sales)
    db.session.commit()
    assert inbox.plugin_setting("greeter", "signature", mailbox=sales) == "-- sales"
    assert inbox.plugin_setting("greeter", "signature", mailbox=help_.id) == "-- the team"
    assert inbox.plugin_setting("greeter", "signature") == "-- the team"
    with pytest.raises(ps.SettingError, match="is a global setting"):
        ps.set_value("greeter", "greeting", "Hi", mailbox=sales)


def test_secret_is_encrypted_at_rest_masked_and_redacted_from_logs(app, caplog):
    ps.set_value("greeter", "api_key", SECRET)
    db.session.commit()
    stored = db.session.execute(db.select(PluginSetting.value).where(PluginSetting.key == "api_key")).scalar()
    assert SECRET not in str(stored)
    assert inbox.plugin_setting("greeter", "api_key") == SECRET
    spec = ps.spec_for("greeter", "api_key")
    assert ps.display(spec, SECRET) == "••••••"
    from inbox.logging_setup import RedactingFilter, _registered

    assert SECRET in _registered
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "calling with %s", (SECRET,), None)
    RedactingFilter(lambda: _registered).filter(record)
    assert SECRET not in record.getMessage() and "********" in record.getMessage()


def test_environment_wins_for_env_settings(app, monkeypatch):
    ps.set_value("greeter", "api_key", "stored-value")
    db.session.commit()
    monkeypatch.setenv("GREETER_TEST_API_KEY", "from-environment")
    assert inbox.plugin_setting("greeter", "api_key") == "from-environment"
    assert ps.source("greeter", ps.spec_for("greeter", "api_key")) == "env"


def test_cli_config_sets_shows_and_masks(app, mailboxes):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["plugins", "config", "greeter", "greeting=Howdy", "limit=5", f"api_key={SECRET}"])
    assert result.exit_code == 0, result.output
    assert "greeting = Howdy  (text, from global)" in result.output
    assert "limit = 5  (number, from global)" in result.output
    assert "api_key = ••••••  (secret, from global)" in result.output and SECRET not in result.output
    assert runner.invoke(args=["greet", "Bob"]).output == "Howdy, Bob!\n"
    bad = runner.invoke(args=["plugins", "config", "greeter", "limit=lots"])
    assert bad.exit_code != 0 and "Limit: expected a number, got 'lots'" in bad.output
    assert inbox.plugin_setting("greeter", "limit") == 5
    per = runner.invoke(args=["plugins", "config", "greeter", "--mailbox", "sales@example.test", "signature=S"])
    assert "signature = S  (text, from mailbox) [per mailbox]" in per.output
    unset = runner.invoke(args=["plugins", "config", "greeter", "--unset", "greeting"])
    assert "greeting = Hello  (text, from default)" in unset.output
    assert runner.invoke(args=["plugins", "config", "nope"]).exit_code != 0


def test_admin_form_is_generated_validates_and_keeps_secrets(app, admin_client, mailboxes):
    page = admin_client.get("/admin/plugins/greeter/settings").get_data(as_text=True)
    for label in ("Greeting", "API key", "Limit", "Shout", "Tone", "Signature"):
        assert label in page
    assert 'type="password"' in page and 'type="checkbox"' in page and '<option value="dry"' in page
    form = {"s_greeting": "Hey", "s_api_key": SECRET, "s_limit": "4", "s_tone": "dry", "s_loud": "1"}
    assert admin_client.post("/admin/plugins/greeter/settings", data=form).status_code == 302
    assert inbox.plugin_setting("greeter", "api_key") == SECRET and inbox.plugin_setting("greeter", "loud") is True
    page = admin_client.get("/admin/plugins/greeter/settings").get_data(as_text=True)
    assert SECRET not in page and "••••••" in page and "leave empty to keep" in page
    # empty secret keeps it; a bad number is refused with its message and nothing is saved
    resp = admin_client.post(
        "/admin/plugins/greeter/settings", data={**form, "s_api_key": "", "s_limit": "99", "s_greeting": "Yo"}
    )
    # the message sits under its field, so it no longer repeats the label; the form keeps what was typed
    assert resp.status_code == 400 and "Must be at most 10, got 99" in resp.get_data(as_text=True)
    assert 'value="Yo"' in resp.get_data(as_text=True)
    assert inbox.plugin_setting("greeter", "greeting") == "Hey"
    admin_client.post("/admin/plugins/greeter/settings", data={**form, "s_api_key": ""})
    assert inbox.plugin_setting("greeter", "api_key") == SECRET
    sales = mailboxes[0]
    resp = admin_client.post(f"/admin/plugins/greeter/settings?mailbox={sales.id}", data={"s_signature": "-- S"})
    assert resp.status_code == 302
    assert inbox.plugin_setting("greeter", "signature", mailbox=sales) == "-- S"
    assert inbox.plugin_setting("greeter", "signature") == ""
    page = admin_client.get(f"/admin/plugins/greeter/settings?mailbox={sales.id}").get_data(as_text=True)
    assert "Signature" in page and "Greeting" not in page  # only mailbox-scope settings per mailbox
