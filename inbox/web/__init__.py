"""The agent and admin faces, wired here and nowhere else (the flaskr way): every blueprint is
imported by name and registered below, and every app-wide hook (template filters and globals,
error handlers, login and security headers) is installed by one call in init_web. Plugins'
blueprints are registered after ours."""

from __future__ import annotations

from flask import Flask

from .. import (
    access,  # noqa: F401  (importing it registers the user loader)
    portal,
)
from ..api import init_api
from ..plugin_host import host
from . import (
    admin,
    attachments,
    auth,
    compose,
    conversation,
    errors,
    inbox_list,
    js_i18n,
    live,
    plugin_slots,
    search,
    security,
    tokens,
    ui,
)
from .admin import plugins as admin_plugins
from .admin import themes as admin_themes
from .admin import webhooks as admin_webhooks

BLUEPRINTS = (
    auth.bp,
    inbox_list.bp,
    conversation.bp,
    compose.bp,
    attachments.bp,
    search.bp,
    admin.bp,
    plugin_slots.bp,
    admin_plugins.bp,
    admin_themes.bp,
    admin_webhooks.bp,
    live.bp,
    tokens.bp,
    errors.bp,
    js_i18n.bp,
)


def init_web(app: Flask) -> None:
    security.init_app(app)  # proxy hops, security headers and CSP for every blueprint below
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    # app-wide hooks: filters and globals every template may use, error pages, login and headers
    ui.init_app(app)
    attachments.init_app(app)
    plugin_slots.init_app(app)
    errors.init_app(app)
    auth.init_app(app)
    portal.init_portal(app)
    init_api(app)
    host(app).register_blueprints(app)  # a disabled plugin's routes answer 404
