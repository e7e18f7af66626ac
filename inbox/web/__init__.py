"""The agent and admin faces. Each module below that exists contributes a blueprint named `bp`;
plugins' blueprints are registered after them."""
from __future__ import annotations

import importlib

# modules are added as they are built; a missing one is skipped
MODULES = ("auth", "inbox_list", "conversation", "compose", "attachments", "search", "admin",
           "plugin_slots", "admin.plugins", "admin.themes", "live", "errors")


def init_web(app) -> None:
    from ..plugin_host import host
    from .. import access  # noqa: F401  (registers the user loader)

    for name in MODULES:
        try:
            module = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise
            continue
        app.register_blueprint(module.bp)
        if hasattr(module, "init_app"):
            module.init_app(app)
    try:
        portal = importlib.import_module("inbox.portal")
    except ModuleNotFoundError as exc:
        if exc.name != "inbox.portal":
            raise
    else:
        portal.init_portal(app)
    host(app).register_blueprints(app)  # a disabled plugin's routes answer 404
