"""Variables, fallbacks, other plugins' variables, and hostile templates refused with a clear error."""

from __future__ import annotations

import types

import pytest

from inbox import hookimpl
from inbox.extensions import db
from inbox.templating import RenderError, build_context, render, render_string
from inbox_plugins.saved_replies import service
from inbox_plugins.saved_replies.service import ReplyData

_order_plugin = types.ModuleType("order_vars")
_order_plugin.PLUGIN_NAME = "order_vars"


@hookimpl
def _template_variables(conversation, user):
    return {"order": {"number": "A-17", "total": 42.5}, "customer": {"first_name": "HIJACK"}, "obj": object()}


_order_plugin.template_variables = _template_variables
_template_variables.__name__ = "template_variables"


@pytest.fixture
def app_config():
    return {"EXTRA_PLUGINS": [_order_plugin]}


def test_variables_from_the_conversation_and_agent(world):
    ctx = build_context(world.conv, world.ann)
    out = render_string(
        "Hi {{ customer.first_name }} <{{ customer.email }}>, {{ agent.first_name }} here about "
        "#{{ conversation.number }} from {{ mailbox.name }}.",
        ctx,
    )
    assert out == "Hi Ann <ann@example.com>, Ann here about #101 from Sales."
    # another plugin's variables are merged, but cannot replace the core ones; non-plain values become text
    assert render_string("{{ order.number }} {{ order.total }}", ctx) == "A-17 42.5"
    assert ctx["customer"]["first_name"] == "Ann" and isinstance(ctx["obj"], str)


def test_missing_values_render_empty_or_the_default(world, make_conversation):
    nameless = make_conversation(world.a, 102, customer_name=None, customer_email="x@example.com")
    ctx = build_context(nameless, world.ann)
    assert render_string('Hi {{ customer.first_name | default("there") }}!', ctx) == "Hi there!"
    assert render_string("Hi {{ customer.first_name }}!", ctx) == "Hi !"
    assert render_string("[{{ customer.company.name }}][{{ nothing }}][{{ order.missing.deep }}]", ctx) == "[][][]"
    assert render_string('{{ agent.nickname or "the team" }}', ctx) == "the team"


@pytest.mark.parametrize(
    "template",
    [
        "{{ ''.__class__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ cycler.__init__.__globals__ }}",
        "{{ joiner.__init__.__globals__.os }}",
        "{{ lipsum.__globals__['os'] }}",
        "{{ namespace.__init__.__globals__ }}",
        "{{ customer['__class__'] }}",
        "{{ customer|attr('__class__') }}",
        "{{ self._TemplateReference__context }}",
        "{{ '{0.__class__}'.format(customer) }}",
        "{{ range(10**9) | list }}",
        "{{ 'x' * 100000000 }}",
        "{{ 10 ** 100000 }}",
        "{% set d = customer %}{{ d.update({'a': 1}) }}",
        "{{ config }}{{ request.environ }}{{ g.user.password_hash }}",
    ],
)
def test_hostile_templates_are_refused_or_inert(world, template):
    ctx = build_context(world.conv, world.ann)
    try:
        out = render_string(template, ctx)
    except RenderError as exc:
        assert str(exc).startswith(("not allowed", "template error"))
    else:  # the only other outcome: nothing reached (unknown names are empty)
        assert out == ""


def test_dunder_access_is_an_explicit_refusal(world):
    ctx = build_context(world.conv, world.ann)
    for template in ("{{ ''.__class__ }}", "{{ cycler.__init__.__globals__ }}"):
        with pytest.raises(RenderError, match="not allowed: '__"):
            render_string(template, ctx)


def test_syntax_errors_say_where(world):
    with pytest.raises(RenderError, match="line 2"):
        render_string("fine\n{{ customer.first_name ", {})


def test_markdown_and_html_bodies_are_sanitised(world, make_conversation):
    evil = make_conversation(world.a, 103, customer_name="<script>alert(1)</script> Eve", customer_email="e@x.test")
    ctx = build_context(evil, world.ann)
    md = render("**Hello** {{ customer.name }}\n\n[site](javascript:alert(2))", "markdown", ctx)
    assert "<strong>Hello</strong>" in md.html and "<script>" not in md.html and "javascript:" not in md.html
    assert "&lt;script&gt;" in md.html
    html = render(
        '<p onclick="x()">Hi {{ customer.first_name }}</p><img src=x onerror=y><script>z()</script>', "html", ctx
    )
    assert "onclick" not in html.html and "onerror" not in html.html and "<script" not in html.html
    assert html.text.startswith("Hi")


def test_picker_renders_with_the_conversation_and_reports_broken_replies(world, client, login):
    service.create(
        world.ann, ReplyData(title="Greeting", body="Hello {{ customer.first_name }}, order {{ order.number }}")
    )
    service.create(world.ann, ReplyData(title="Divides", body="{{ 1 / 0 }}"))
    db.session.commit()
    login(client, world.ann)
    page = client.get(f"/saved-replies/picker?conversation={world.conv.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-insert="Hello Ann, order A-17"' in html
    assert "Cannot be used: template error: ZeroDivisionError" in html
    # the agent of mailbox B cannot render against a conversation of mailbox A
    login(client, world.cid)
    assert client.get(f"/saved-replies/picker?conversation={world.conv.id}").status_code == 404


def test_preview_shows_errors_not_500(world, client, login):
    login(client, world.ann)
    resp = client.post("/saved-replies/preview", data={"body": "{{ ''.__class__ }}", "body_format": "markdown"})
    assert resp.status_code == 200 and "not allowed" in resp.get_data(as_text=True)
    resp = client.post(
        "/saved-replies/preview", data={"body": "Hi {{ customer.first_name }}", "body_format": "markdown"}
    )
    assert "Hi Jane" in resp.get_data(as_text=True)
