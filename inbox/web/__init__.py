"""The agent and admin faces. Blueprints are registered here, then plugins' blueprints."""
from __future__ import annotations


def init_web(app) -> None:
    from ..plugin_host import host

    for blueprint in host(app).call_flat("register_blueprints", app=app):
        app.register_blueprint(blueprint)
