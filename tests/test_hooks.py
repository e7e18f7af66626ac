"""Every hook, called where the product calls it (or through the host where its caller belongs to
another part), plus isolation: a raising or slow plugin never breaks anything.

Each hook test is marked ``@covers(hook)``: the mark fills HOOK_TESTS, and after the test body it
asserts that the recording plugin really saw that hook. test_every_hookspec_has_a_test checks
that every spec in inbox/hookspecs.py has such a test; test_reference_matches_hookspecs checks
that docs/plugins.md documents each with its exact signature.
"""

from __future__ import annotations

import functools
import inspect
import os
import re
import time
from email.message import EmailMessage

import click
import pytest
from flask import Blueprint, g
from flask_login import login_user
from markupsafe import Markup
from test_plugin_samples import greeter

from inbox import IncomingDecision, Job, Link, Panel, SettingSpec, Suggestion, conversations, hookimpl, hookspecs
from inbox.extensions import db
from inbox.models import Conversation, Customer, Mailbox, PluginState, User
from inbox.plugin_host import host

CALLS: list[str] = []
HOOK_TESTS: dict[str, str] = {}
DOCS = os.path.join(os.path.dirname(__file__), "..", "docs", "plugins.md")
SPECS = {name: f for name, f in vars(hookspecs).items() if inspect.isfunction(f) and hasattr(f, "inbox_spec")}


def covers(*hooks):
    def mark(test):
        for hook in hooks:
            HOOK_TESTS[hook] = test.__name__

        @functools.wraps(test)
        def run(*args, **kwargs):
            test(*args, **kwargs)
            missing = [h for h in hooks if h not in CALLS]
            assert not missing, f"{test.__name__} never reached the plugin through {missing}"

        return run

    return mark


recorder_bp = Blueprint("recorder", __name__, url_prefix="/recorder")


@recorder_bp.get("/ping")
def ping():
    return "pong"


@click.command("recorder-hello")
def recorder_hello():
    click.echo("hello from the recorder")


class Recorder:
    """Implements every hook; records each call and returns something visible."""

    PLUGIN_NAME = "recorder"

    def _seen(self, hook):
        CALLS.append(hook)

    @hookimpl
    def register_blueprints(self, app):
        self._seen("register_blueprints")
        return recorder_bp

    @hookimpl
    def register_commands(self, cli):
        self._seen("register_commands")
        cli.add_command(recorder_hello)

    @hookimpl
    def register_settings(self):
        self._seen("register_settings")
        return [SettingSpec(key="color", label="Colour", type="choice", choices=["red", "blue"], default="red")]

    @hookimpl
    def register_migrations(self):
        self._seen("register_migrations")
        return os.path.join(os.path.dirname(greeter.__file__), "migrations")

    @hookimpl
    def register_jobs(self):
        self._seen("register_jobs")
        return [Job(id="beat", func=lambda: CALLS.append("job ran"))]

    @hookimpl
    def message_received(self, message, mailbox, decision, history):
        self._seen("message_received")
        decision.tag("Recorded")

    @hookimpl
    def conversation_created(self, conversation, item, history):
        self._seen("conversation_created")

    @hookimpl
    def customer_replied(self, conversation, item, history):
        self._seen("customer_replied")

    @hookimpl
    def agent_replied(self, conversation, item, user):
        self._seen("agent_replied")

    @hookimpl
    def note_added(self, conversation, item, user):
        self._seen("note_added")
        CALLS.append(f"note:{item.body_text if hasattr(item, 'body_text') else ''}")

    @hookimpl
    def status_changed(self, conversation, old, new, user):
        self._seen("status_changed")
        CALLS.append(f"status:{old}->{new}")

    @hookimpl
    def conversation_assigned(self, conversation, assignee, user):
        self._seen("conversation_assigned")
        CALLS.append(f"assigned:{assignee.name if assignee else None}")

    @hookimpl
    def message_sending(self, message, conversation, item):
        self._seen("message_sending")
        message["X-Recorded"] = "yes"

    @hookimpl
    def template_variables(self, conversation, user):
        self._seen("template_variables")
        return {"recorded": {"number": conversation.number}}

    @hookimpl
    def sidebar_panels(self, conversation, user):
        self._seen("sidebar_panels")
        return [
            Panel(id="plain", title="Plain", render=lambda conversation, user: f"<i>#{conversation.number}</i>"),
            Panel(id="html", title="HTML", render=lambda conversation, user: Markup("<em>trusted</em>")),
        ]

    @hookimpl
    def editor_buttons(self, conversation, user):
        self._seen("editor_buttons")
        return [Link(label="Insert order", insert="Order 1042")]

    @hookimpl
    def conversation_actions(self, conversation, user):
        self._seen("conversation_actions")
        return [Link(label="Refund", url="/recorder/refund", method="post")]

    @hookimpl
    def nav_items(self, user):
        self._seen("nav_items")
        return [Link(label="<b>Recorded nav</b>", url="/recorder/ping", id="recorded-nav")]

    @hookimpl
    def admin_sections(self, user):
        self._seen("admin_sections")
        return [Link(label="Recorder admin", url="/recorder/ping")]

    @hookimpl
    def extra_css(self, view):
        self._seen("extra_css")
        return ["/recorder/recorded.css"]

    @hookimpl
    def extra_js(self, view):
        self._seen("extra_js")
        return ["/recorder/recorded.js"]

    @hookimpl
    def suggestions(self, conversation, item, limit):
        self._seen("suggestions")
        return [Suggestion(title=f"Tip {i}", score=i / 10) for i in range(5)][:limit]

    @hookimpl
    def portal_nav_items(self, customer):
        self._seen("portal_nav_items")
        return [Link(label="Recorded portal link", url="/recorder/ping")]


class Raiser:
    """Raises in every kind of hook: event, slot, filter, panel."""

    PLUGIN_NAME = "raiser"

    @hookimpl
    def status_changed(self, conversation, new):
        raise RuntimeError("event hook exploded")

    @hookimpl
    def nav_items(self, user):
        raise RuntimeError("slot hook exploded")

    @hookimpl
    def message_sending(self, message):
        raise RuntimeError("filter hook exploded")

    @hookimpl
    def sidebar_panels(self, conversation, user):
        def render(conversation, user):
            raise RuntimeError("panel exploded")

        def slow(conversation, user):
            time.sleep(3)
            return "too late"

        return [Panel(id="boom", title="Boom", render=render), Panel(id="slow", title="Slow", render=slow)]


@pytest.fixture
def app_config():
    # bundled plugins are left out so that every result here is the recorder's
    return {"EXTRA_PLUGINS": [Recorder(), Raiser()], "PLUGIN_PANEL_TIMEOUT": 0.5, "DISABLE_PLUGINS": "all"}


@pytest.fixture(autouse=True)
def _fresh_calls():
    CALLS.clear()


@pytest.fixture
def world(app):
    mailbox = Mailbox(name="Support", email="support@example.test")
    customer = Customer(name="Ada Lovelace")
    admin = User(email="admin@example.test", name="Ada Admin", role="admin")
    agent = User(email="agent@example.test", name="Al Agent", role="agent", mailboxes=[mailbox])
    db.session.add_all([mailbox, customer, admin, agent])
    db.session.flush()
    conv = Conversation(number=7, mailbox_id=mailbox.id, customer_id=customer.id, subject="Where is my order?")
    db.session.add(conv)
    db.session.commit()
    return {"mailbox": mailbox, "customer": customer, "admin": admin, "agent": agent, "conv": conv}


def login(client, user):
    g.pop("_login_user", None)  # requests share the fixture's app context, where flask-login caches the user
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)


def events():
    """Calls after start-up (register_* run when the app and its CLI are built, and for jobs())."""
    return [c for c in CALLS if not c.startswith("register_")]


def last_error(plugin):
    host().flush_errors()
    db.session.expire_all()
    row = db.session.get(PluginState, plugin)
    return row.last_error if row else None


# --- one test per hook ------------------------------------------------------------------------


@covers("register_blueprints")
def test_register_blueprints(app, client):
    assert client.get("/recorder/ping").data == b"pong"


@covers("register_commands")
def test_register_commands(app):
    assert app.test_cli_runner().invoke(args=["recorder-hello"]).output == "hello from the recorder\n"


@covers("register_settings")
def test_register_settings(app):
    import inbox

    assert inbox.plugin_setting("recorder", "color") == "red"
    assert app.test_cli_runner().invoke(args=["plugins", "config", "recorder", "color=blue"]).exit_code == 0
    assert inbox.plugin_setting("recorder", "color") == "blue"


@covers("register_migrations")
def test_register_migrations(app):
    from sqlalchemy import inspect as sa_inspect

    from inbox.migrations_setup import upgrade_all

    assert upgrade_all(app) == {}
    assert "greeter_visit" in sa_inspect(db.engine).get_table_names()


@covers("register_jobs")
def test_register_jobs(app):
    ((plugin, job),) = [(p, j) for p, j in host().jobs() if p == "recorder"]
    assert job.id == "recorder:beat" and job.trigger_args == {"minutes": 5}
    job.func()
    assert "job ran" in CALLS


@covers("message_received")
def test_message_received(app, world):
    decision = IncomingDecision()
    host().call("message_received", message=object(), mailbox=world["mailbox"], decision=decision, history=False)
    assert decision.tags == {"recorded"}


@covers("conversation_created", "customer_replied", "agent_replied")
def test_conversation_events(app, world):
    conv = world["conv"]
    host().call("conversation_created", conversation=conv, item=None, history=True)
    host().call("customer_replied", conversation=conv, item=None, history=False)
    host().call("agent_replied", conversation=conv, item=None, user=world["agent"])
    assert events() == ["conversation_created", "customer_replied", "agent_replied"]


@covers("note_added")
def test_note_added(app, world):
    conversations.add_note(world["conv"], world["agent"], "Called the customer")
    assert "note_added" in CALLS


@covers("status_changed")
def test_status_changed(app, world):
    assert conversations.set_status(world["conv"], "closed", by=world["agent"])
    assert "status:active->closed" in CALLS


@covers("conversation_assigned")
def test_conversation_assigned(app, world):
    conversations.assign(world["conv"], world["agent"], by=world["admin"])
    assert "assigned:Al Agent" in CALLS


@covers("message_sending")
def test_message_sending(app, world):
    msg = EmailMessage()
    msg["Subject"] = "Re: Where is my order?"
    host().call("message_sending", message=msg, conversation=world["conv"], item=None)
    assert msg["X-Recorded"] == "yes"  # and the raising implementation beside it was skipped
    assert "filter hook exploded" in last_error("raiser")


@covers("template_variables")
def test_template_variables(app, world):
    merged = {}
    for result in host().call("template_variables", conversation=world["conv"], user=world["agent"]):
        merged.update(result)
    assert merged == {"recorded": {"number": 7}}


@covers("sidebar_panels")
def test_sidebar_panels_escape_text_and_keep_markup(app, client, world):
    login(client, world["agent"])
    conv = world["conv"]
    plain = client.get(f"/conversations/{conv.id}/panels/recorder/plain")
    assert plain.status_code == 200 and plain.data == b"&lt;i&gt;#7&lt;/i&gt;"
    assert client.get(f"/conversations/{conv.id}/panels/recorder/html").data == b"<em>trusted</em>"
    assert client.get(f"/conversations/{conv.id}/panels/recorder/nope").status_code == 404


@covers("editor_buttons", "conversation_actions")
def test_editor_buttons_and_conversation_actions(app, world):
    from inbox.web.plugin_slots import slot_links

    with app.test_request_context("/"):
        login_user(world["agent"])
        buttons = slot_links("editor_buttons", conversation=world["conv"])
        actions = slot_links("conversation_actions", conversation=world["conv"])
    assert [(p, l.insert) for p, l in buttons] == [("recorder", "Order 1042")]
    assert [(p, l.label, l.method) for p, l in actions] == [("recorder", "Refund", "post")]


@covers("nav_items", "admin_sections", "extra_css", "extra_js")
def test_page_slots_render_escaped_and_survive_a_raising_plugin(app, client, world):
    login(client, world["admin"])
    page = client.get("/admin/plugins/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "&lt;b&gt;Recorded nav&lt;/b&gt;" in html and "<b>Recorded nav</b>" not in html
    assert "Recorder admin" in html
    assert 'href="/recorder/recorded.css"' in html and 'src="/recorder/recorded.js"' in html
    assert "slot hook exploded" in last_error("raiser")


@covers("suggestions")
def test_suggestions(app, world):
    found = host().call_flat("suggestions", conversation=world["conv"], item=None, limit=3)
    assert [s.title for s in sorted(found, key=lambda s: -s.score)] == ["Tip 2", "Tip 1", "Tip 0"]


@covers("portal_nav_items")
def test_portal_nav_items(app):
    links = host().call_flat("portal_nav_items", customer=None)
    assert [link.label for link in links] == ["Recorded portal link"]


# --- isolation and enabling -------------------------------------------------------------------


def test_raising_event_hook_is_logged_with_plugin_name_and_skipped(app, world, caplog):
    assert conversations.set_status(world["conv"], "pending", by=world["agent"])
    db.session.commit()
    assert world["conv"].status == "pending" and "status:active->pending" in CALLS
    assert "plugin raiser failed in status_changed" in caplog.text
    assert last_error("raiser").startswith("status_changed: RuntimeError: event hook exploded")


def test_raising_and_slow_panels_answer_quickly_with_a_message(app, client, world):
    login(client, world["agent"])
    conv = world["conv"]
    boom = client.get(f"/conversations/{conv.id}/panels/raiser/boom")
    assert boom.status_code == 200 and b"Boom could not be shown." in boom.data
    assert "sidebar panel boom: RuntimeError: panel exploded" in last_error("raiser")
    start = time.monotonic()
    slow = client.get(f"/conversations/{conv.id}/panels/raiser/slow")
    assert time.monotonic() - start < 2.0
    assert slow.status_code == 200 and b"Slow did not answer within 0.5 s." in slow.data


def test_core_previous_conversations_panel(app, client, world):
    older = Conversation(
        number=3,
        mailbox_id=world["mailbox"].id,
        customer_id=world["customer"].id,
        subject="<Old> question",
        status="closed",
    )
    hidden_box = Mailbox(name="Secret", email="secret@example.test")
    db.session.add_all([older, hidden_box])
    db.session.flush()
    db.session.add(
        Conversation(number=4, mailbox_id=hidden_box.id, customer_id=world["customer"].id, subject="Not for agents")
    )
    db.session.commit()
    login(client, world["agent"])
    html = client.get(f"/conversations/{world['conv'].id}/panels/core/previous").get_data(as_text=True)
    assert "#3 &lt;Old&gt; question" in html and "Not for agents" not in html


def test_disabled_plugin_hooks_do_not_run(app, world, client):
    host().set_state("recorder", enabled=False)
    conversations.set_status(world["conv"], "closed", by=world["agent"])
    db.session.commit()
    assert host().call_flat("nav_items", user=world["agent"]) == []
    assert host().jobs()[0][1].func() is None  # jobs are scheduled for every plugin, run only while enabled
    assert events() == []
    assert client.get("/recorder/ping").status_code == 404
    login(client, world["agent"])
    assert client.get(f"/conversations/{world['conv'].id}/panels/recorder/plain").status_code == 404
    host().set_state("recorder", enabled=True)
    assert client.get("/recorder/ping").status_code == 200


# --- the reference and the registry -----------------------------------------------------------


def test_every_hookspec_has_a_test():
    missing = sorted(set(SPECS) - set(HOOK_TESTS))
    assert not missing, f"hooks without a @covers test: {missing}"
    for hook, test_name in HOOK_TESTS.items():
        assert hook in SPECS, f"{test_name} covers {hook}, which is not a hook"
        assert callable(globals().get(test_name)) and test_name.startswith("test_")


def test_reference_matches_hookspecs():
    with open(DOCS) as f:
        documented = dict(re.findall(r"^### `(\w+)(\(.*\))`$", f.read(), flags=re.M))
    for name, spec in SPECS.items():
        assert name in documented, f"docs/plugins.md does not document {name}"
        assert documented[name] == str(inspect.signature(spec)), f"{name}: docs say {documented[name]}"
    assert set(documented) <= set(SPECS), f"documented but not a hook: {set(documented) - set(SPECS)}"
