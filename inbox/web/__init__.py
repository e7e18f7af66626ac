"""The agent and admin faces: every blueprint, registered by name (the flaskr way), so reading this
file tells you which pages exist. Plugins' blueprints are registered after them."""
from __future__ import annotations

from flask import Flask

from .. import access  # noqa: F401  (registers the user loader)
from .. import portal
from ..plugin_host import host
from . import (admin, attachments, auth, compose, conversation, errors, inbox_list, live, plugin_slots,
               plugins_admin, search, themes_admin, ui)


def init_web(app: Flask) -> None:
    # app-wide set-up, in one place: template filters and globals, login wiring and headers, error
    # pages, the plugin-slot template globals
    ui.init_app(app)
    auth.init_app(app)
    errors.init_app(app)
    attachments.init_app(app)
    plugin_slots.init_app(app)

    for module in (auth, inbox_list, conversation, compose, attachments, search, admin, plugin_slots,
                   plugins_admin, themes_admin, live, errors):
        app.register_blueprint(module.bp)
    portal.init_portal(app)
    host(app).register_blueprints(app)  # a disabled plugin's routes answer 404
