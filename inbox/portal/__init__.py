"""The customer portal: password-less sign-in, "my requests", replies and new requests.

Every page renders through inbox.themes.render_portal, so themes change how it looks and nothing
else. A customer is identified by session["portal_customer_id"]; agents' flask-login session is
separate and grants nothing here.
"""

from __future__ import annotations

from flask import Flask

from . import pages, signin  # noqa: F401  (add their routes to bp: the one place that wires them)
from .blueprint import bp


def init_portal(app: Flask) -> None:
    app.register_blueprint(bp)
