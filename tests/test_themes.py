"""Portal themes: lookup order, extends of the default, the sandbox, switching at runtime."""

from __future__ import annotations

import json
import os

import pytest
from flask import template_rendered
from jinja2 import TemplateNotFound
from jinja2.exceptions import SecurityError
from portal_helpers import mail_in, sign_in_as

from inbox.extensions import db
from inbox.models import set_setting
from inbox.testing.helpers import login
from inbox.themes import THEME_SETTING, discover, render_portal


@pytest.fixture
def local_themes(app):
    """A folder of extra themes in the instance folder (found before the bundled ones)."""
    folder = os.path.join(app.instance_path, "themes")
    os.makedirs(folder, exist_ok=True)

    def make(name, templates):
        root = os.path.join(folder, name)
        for rel, text in templates.items():
            path = os.path.join(root, "templates", rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write(text)
        os.makedirs(os.path.join(root, "static"), exist_ok=True)
        with open(os.path.join(root, "theme.json"), "w") as f:
            json.dump({"name": name.title(), "version": "0.1"}, f)
        app.extensions.pop("inbox_theme_envs", None)
        return root

    return make


def _use(theme):
    set_setting(THEME_SETTING, theme)
    db.session.commit()


def test_two_bundled_themes_are_found(app):
    themes = discover()
    assert {"default", "harbor"} <= set(themes)
    for theme in themes.values():
        assert {"name", "version", "author", "description", "preview"} <= set(theme.meta)


def test_override_then_default_then_core(app, client, mailbox):
    conv = mail_in(mailbox, "ann@customer.test", "Broken kettle", "It leaks.")
    sign_in_as(client, conv.customer)
    _use("harbor")
    listing = client.get("/portal/requests").get_data(as_text=True)
    assert "harbor-cards" in listing  # harbor's own requests.html
    assert "harbor-hero" in listing  # harbor's base.html ...
    assert "site-footer" in listing  # ... extends the default theme's base
    page = client.get(f"/portal/requests/{conv.number}").get_data(as_text=True)
    assert 'class="thread"' in page and "harbor-hero" in page  # core request.html inside harbor's base
    _use("default")
    listing = client.get("/portal/requests").get_data(as_text=True)
    assert "harbor" not in listing and "request-list" in listing


def test_a_theme_extends_the_template_it_replaces(app, client, local_themes):
    local_themes(
        "plain",
        {
            "portal/sign_in.html": '{% extends "default:portal/sign_in.html" %}'
            "{% block title %}PLAIN SIGN IN{% endblock %}"
        },
    )
    _use("plain")
    page = client.get("/portal/").get_data(as_text=True)
    assert "<title>PLAIN SIGN IN</title>" in page and "Email me a sign-in link" in page


def test_switching_needs_no_restart_and_reaches_every_process(app, client, tmp_path):
    """A second app on the same database (another worker process) sees the switch at once."""
    from inbox.testing.fixtures import make_app

    other = make_app(str(tmp_path / "other"), SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"])
    other_client = other.test_client()
    assert "harbor-hero" not in other_client.get("/portal/").get_data(as_text=True)
    _use("harbor")
    assert "harbor-hero" in other_client.get("/portal/").get_data(as_text=True)
    assert "harbor-hero" in client.get("/portal/").get_data(as_text=True)


def test_agent_templates_are_not_reachable_from_a_theme(app, local_themes):
    assert os.path.exists(os.path.join(app.root_path, "templates", "base.html"))
    local_themes(
        "sneaky",
        {
            "portal/a.html": '{% extends "base.html" %}',
            "portal/b.html": '{% include "admin/users.html" %}',
            "portal/c.html": '{% include "../../inbox/templates/base.html" %}',
        },
    )
    with app.test_request_context("/portal/"):
        for name in ("portal/a.html", "portal/b.html", "portal/c.html"):
            with pytest.raises(TemplateNotFound):
                render_portal(name, theme="sneaky")


def test_theme_templates_are_sandboxed(app, local_themes):
    local_themes(
        "evil",
        {
            "portal/x.html": "{{ ''.__class__.__mro__[1].__subclasses__() }}",
            "portal/y.html": "{{ url_for.__globals__['current_app'].config['SECRET_KEY'] }}",
        },
    )
    with app.test_request_context("/portal/"):
        for name in ("portal/x.html", "portal/y.html"):
            with pytest.raises(SecurityError):
                render_portal(name, theme="evil")


def test_theme_static_falls_back_to_default_and_stays_inside(client):
    assert client.get("/portal/theme/harbor/static/harbor.css").status_code == 200
    assert client.get("/portal/theme/harbor/static/theme.css").status_code == 200  # from default
    assert client.get("/portal/theme/harbor/static/../theme.json").status_code == 404
    assert client.get("/portal/theme/default/static/%2e%2e/%2e%2e/theme.json").status_code == 404


def test_branding_is_honoured_by_every_theme(app, client):
    set_setting(
        "portal.branding",
        {
            "name": "Acme Help",
            "brand_color": "#aa3300",
            "footer_text": "© Acme",
            "custom_css": "body > main { color: red }",
        },
    )
    for theme in ("default", "harbor"):
        _use(theme)
        page = client.get("/portal/").get_data(as_text=True)
        assert "Acme Help" in page and "--brand: #aa3300" in page and "© Acme" in page
        assert "/portal/branding/custom.css" in page
    css = client.get("/portal/branding/custom.css")
    assert css.mimetype == "text/css" and css.get_data(as_text=True) == "body > main { color: red }"


def test_themes_cli(app, tmp_path):
    runner = app.test_cli_runner()
    listing = runner.invoke(args=["themes", "list"])
    assert "* default" in listing.output and "harbor" in listing.output
    assert runner.invoke(args=["themes", "set", "harbor"]).exit_code == 0
    assert "* harbor" in runner.invoke(args=["themes", "list"]).output
    bad = runner.invoke(args=["themes", "set", "nope"])
    assert bad.exit_code != 0 and "no theme named 'nope'" in bad.output
    made = runner.invoke(args=["themes", "new", "my-brand"])
    assert made.exit_code == 0, made.output
    assert "my-brand" in discover()
    assert runner.invoke(args=["themes", "set", "my-brand"]).exit_code == 0
    assert runner.invoke(args=["themes", "new", "my-brand"]).exit_code != 0


def _documented_contexts() -> dict[str, set[str]]:
    """Parse docs/themes.md: '### portal/x.html' headings followed by a '- `name`' list."""
    doc = open(os.path.join(os.path.dirname(__file__), "..", "docs", "themes.md"), encoding="utf-8").read()
    out, current = {}, None
    for line in doc.splitlines():
        if line.startswith("### portal/"):
            current = line[4:].strip()
            out[current] = set()
        elif current and line.startswith("- `"):
            out[current].add(line[3:].split("`", 1)[0])
        elif line.startswith("## "):
            current = None
    return out


def test_documented_template_context_matches_the_real_one(app, client, mailbox, smtp_sink):
    seen: dict[str, set[str]] = {}

    def record(sender, template, context, **extra):
        if template.name.startswith("portal/"):
            seen[template.name] = set(context) - {"url_for", "theme_static"}

    template_rendered.connect(record, app)
    try:
        client.get("/portal/")
        client.post("/portal/sign-in", data={"email": "x@y.test"})
        client.get("/portal/sign-in/not-a-token")
        conv = mail_in(mailbox, "ann@customer.test", "Context", "Hello")
        sign_in_as(client, conv.customer)
        client.get("/portal/requests")
        client.get(f"/portal/requests/{conv.number}")
        client.get("/portal/new")
    finally:
        template_rendered.disconnect(record, app)
    documented = _documented_contexts()
    assert set(documented) == set(seen), "every portal page is documented, and nothing else"
    for name, keys in seen.items():
        assert documented[name] == keys, name


def _login(client, role):
    from inbox.models import User

    user = User(email=f"{role}@support.test", name=f"{role.title()} User", role=role)
    db.session.add(user)
    db.session.commit()
    login(client, user)
    return user


def test_admin_switches_and_previews_themes_in_the_web_ui(app, client):
    _login(client, "admin")
    page = client.get("/admin/themes/").get_data(as_text=True)
    assert "Harbor" in page and "Default" in page and "Use this theme" in page
    assert "harbor-hero" in client.get("/portal/?preview_theme=harbor").get_data(as_text=True)
    assert client.post("/admin/themes/active", data={"theme": "harbor"}).status_code == 302
    assert "harbor-hero" in client.get("/portal/").get_data(as_text=True)
    assert client.post("/admin/themes/active", data={"theme": "../etc"}).status_code == 404


def test_agents_cannot_reach_theme_admin_or_preview(app, client):
    _login(client, "agent")
    assert client.get("/admin/themes/").status_code == 404
    assert client.post("/admin/themes/active", data={"theme": "harbor"}).status_code == 404
    assert "harbor-hero" not in client.get("/portal/?preview_theme=harbor").get_data(as_text=True)


def test_branding_form_validates_and_refuses_svg_logos(app, client):
    import io

    _login(client, "admin")
    bad = client.post("/admin/themes/branding", data={"name": "", "brand_color": "red;}body{x"})
    text = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "The portal needs a name." in text and "Use a colour like" in text
    svg = client.post(
        "/admin/themes/branding",
        data={
            "name": "Acme",
            "brand_color": "#123456",
            "logo": (io.BytesIO(b"<svg onload=alert(1)></svg>"), "logo.svg", "image/svg+xml"),
        },
        content_type="multipart/form-data",
    )
    assert svg.status_code == 400 and "PNG, JPEG, GIF or WebP" in svg.get_data(as_text=True)
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 32
    ok = client.post(
        "/admin/themes/branding",
        data={
            "name": "Acme",
            "brand_color": "#123456",
            "footer_text": "Hi",
            "logo": (io.BytesIO(png), "logo.png", "image/png"),
        },
        content_type="multipart/form-data",
    )
    assert ok.status_code == 302
    logo = client.get("/portal/branding/logo")
    assert logo.status_code == 200 and logo.mimetype == "image/png" and logo.data == png
    assert "/portal/branding/logo" in client.get("/portal/").get_data(as_text=True)
