"""Customer-portal themes: discovery, the active theme, and the sandboxed loader chain.

Lookup order for a portal template: the active theme, then the default theme, then the core
portal templates, then the current blueprint's own folder (so a plugin's portal page can be
themed by a theme that ships the same name). ``"default:portal/base.html"`` names the default
theme's copy explicitly, so a theme can extend the very template it replaces.

Only portal templates are reachable: the agent and admin templates live in another folder that
no loader here points at, and theme templates render in a sandbox.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field

from flask import current_app, request, template_rendered, url_for
from jinja2 import BaseLoader, ChoiceLoader, FileSystemLoader, PrefixLoader, TemplateNotFound
from jinja2.sandbox import ImmutableSandboxedEnvironment

from .csp import csp_nonce
from .i18n import get_locale, install_jinja_i18n, locale_names
from .models import get_setting

DEFAULT_THEME = "default"
CORE_PORTAL_TEMPLATES = os.path.join(os.path.dirname(__file__), "portal", "templates")
THEME_SETTING = "portal.theme"
BRANDING_SETTING = "portal.branding"
_REQUEST_KEY = "inbox.portal_theme"
BRANDING_DEFAULTS = {"name": "Help Center", "logo": None, "brand_color": "#2f6fed", "footer_text": "", "custom_css": ""}


@dataclass
class Theme:
    name: str
    path: str
    meta: dict = field(default_factory=dict)

    @property
    def title(self) -> str:
        return self.meta.get("name") or self.name

    @property
    def templates(self) -> str:
        return os.path.join(self.path, "templates")

    @property
    def static(self) -> str:
        return os.path.join(self.path, "static")


def theme_dirs(app=None) -> list[str]:
    """Folders that hold themes: instance/themes first (local ones win), then the bundled ones."""
    app = app or current_app
    configured = app.config.get("THEMES_DIRS")
    if configured:
        return list(configured)
    bundled = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "themes")
    return [os.path.join(app.instance_path, "themes"), bundled]


def discover(app=None) -> dict[str, Theme]:
    found: dict[str, Theme] = {}
    for folder in theme_dirs(app):
        if not os.path.isdir(folder):
            continue
        for name in sorted(os.listdir(folder)):
            path = os.path.join(folder, name)
            meta_file = os.path.join(path, "theme.json")
            if name in found or not os.path.isfile(meta_file):
                continue
            try:
                with open(meta_file, encoding="utf-8") as f:
                    meta = json.load(f)
            except (OSError, ValueError) as exc:
                meta = {"name": name, "error": f"theme.json unreadable: {exc}"}
            found[name] = Theme(name, path, meta)
    return found


def active_theme_name() -> str:
    """The database setting, so a switch needs no restart and every worker process agrees."""
    name = get_setting(THEME_SETTING) or DEFAULT_THEME
    return name if name in discover() else DEFAULT_THEME


def branding() -> dict:
    from .i18n import gettext as _

    values = {**BRANDING_DEFAULTS, **(get_setting(BRANDING_SETTING) or {})}
    if values["name"] == BRANDING_DEFAULTS["name"]:  # not named by the admin: in the viewer's language
        values["name"] = _("Help Center")
    return values


class _BlueprintLoader(BaseLoader):
    """The current request's blueprint folder, for plugin portal pages (last in the chain)."""

    def get_source(self, environment, template):
        bp = current_app.blueprints.get(request.blueprint or "") if request else None
        if bp is None or bp.jinja_loader is None:
            raise TemplateNotFound(template)
        return bp.jinja_loader.get_source(environment, template)


def _environment(theme_name: str) -> ImmutableSandboxedEnvironment:
    cache = current_app.extensions.setdefault("inbox_theme_envs", {})
    if theme_name in cache and not current_app.debug:
        return cache[theme_name]
    themes = discover()
    chain = []
    if theme_name in themes and theme_name != DEFAULT_THEME:
        chain.append(FileSystemLoader(themes[theme_name].templates))
    default = FileSystemLoader(themes[DEFAULT_THEME].templates) if DEFAULT_THEME in themes else None
    if default:
        chain.append(default)
    core = FileSystemLoader(CORE_PORTAL_TEMPLATES)
    chain += [core, _BlueprintLoader()]
    explicit_default = ChoiceLoader([default, core]) if default else core
    loader = ChoiceLoader([PrefixLoader({"default": explicit_default, "core": core}, delimiter=":"), *chain])
    env = ImmutableSandboxedEnvironment(loader=loader, autoescape=True, auto_reload=current_app.debug)
    env.globals.update(
        url_for=url_for,
        theme_static=theme_static,
        csp_nonce=csp_nonce,
        current_locale=lambda: str(get_locale()),
        locale_names=locale_names,
    )
    env.filters.update(current_app.jinja_env.filters)
    install_jinja_i18n(env)  # themes translate with {{ _("...") }} like the agent templates
    cache[theme_name] = env
    return env


def theme_static(filename: str) -> str:
    return url_for("portal.theme_static", theme=request.environ.get(_REQUEST_KEY, DEFAULT_THEME), filename=filename)


def static_file_path(theme: str, filename: str) -> str | None:
    """The file from the theme, else from the default theme (mirrors the template fallback)."""
    themes = discover()
    for name in (theme, DEFAULT_THEME):
        if name in themes:
            root = os.path.realpath(themes[name].static)
            path = os.path.realpath(os.path.join(root, filename))
            if path.startswith(root + os.sep) and os.path.isfile(path):
                return path
    return None


def signed_in_customer():
    """The portal's signed-in customer (session["portal_customer_id"]), or None."""
    from flask import session

    from .extensions import db
    from .models import Customer

    customer_id = session.get("portal_customer_id")
    return db.session.get(Customer, customer_id) if customer_id else None


def customer_view(customer) -> dict | None:
    from flask import session

    if customer is None:
        return None
    return {
        "name": customer.name or "",
        "email": session.get("portal_email") or customer.email,
        "emails": [e.email for e in customer.emails],
    }


def portal_nav(customer) -> list[dict]:
    """Core portal links for a signed-in customer, then every plugin's portal_nav_items."""
    from .i18n import gettext as _
    from .plugin_host import host

    links = (
        [
            {"label": _("My requests"), "url": url_for("portal.requests")},
            {"label": _("New request"), "url": url_for("portal.new_request")},
        ]
        if customer
        else []
    )
    for _plugin, result in host().call_each("portal_nav_items", customer=customer):
        for link in result if isinstance(result, (list, tuple)) else [result]:
            if getattr(link, "label", None) and getattr(link, "url", None):
                links.append({"label": link.label, "url": link.url})
    return links


def _admin_preview() -> str | None:
    """Admins may look at any installed theme with ?preview_theme=NAME before switching to it."""
    from flask_login import current_user

    name = request.args.get("preview_theme")
    if name and current_user.is_authenticated and current_user.is_admin and name in discover():
        return name
    return None


def render_portal(template: str, theme: str | None = None, **context) -> str:
    """Render a portal page with the active (or given) theme. Context is plain data where possible."""
    from flask import get_flashed_messages
    from flask_wtf.csrf import generate_csrf

    # kept on the request, not on g: an app context can outlive one request (tests, CLI)
    name = theme or _admin_preview() or active_theme_name()
    request.environ[_REQUEST_KEY] = name
    env = _environment(name)
    base = {
        "branding": branding(),
        "theme": name,
        "csrf_token": generate_csrf,
        "get_flashed_messages": get_flashed_messages,
        "request_path": request.path,
    }
    if "customer" not in context:
        customer = signed_in_customer()
        base.update(customer=customer_view(customer), nav=portal_nav(customer))
    tmpl = env.get_template(template)
    full = {**base, **context}
    html = tmpl.render(full)
    # Flask's own signal, so tests and debug tools see portal renders like any other template
    template_rendered.send(current_app._get_current_object(), template=tmpl, context=full)
    return html


def scaffold(name: str, target_dir: str) -> str:
    """Copy the default theme as a starting point for a new one."""
    import re
    import shutil

    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,40}", name):
        raise ValueError("a theme name is lower-case letters, digits, - and _")
    themes = discover()
    dest = os.path.join(target_dir, name)
    if name in themes or os.path.exists(dest):
        raise ValueError(f"a theme named {name} already exists")
    shutil.copytree(themes[DEFAULT_THEME].path, dest)
    meta = {
        **themes[DEFAULT_THEME].meta,
        "name": name.replace("-", " ").title(),
        "version": "0.1.0",
        "description": "A theme based on the default theme.",
        "author": "",
    }
    with open(os.path.join(dest, "theme.json"), "w", encoding="utf-8") as f:
        json.dump(meta, f, indent=2)
    return dest
