"""The customer portal: password-less sign-in, "my requests", replies and new requests.

Every page renders through inbox.themes.render_portal, so themes change how it looks and nothing
else. A customer is identified by session["portal_customer_id"]; agents' flask-login session is
separate and grants nothing here.
"""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("portal", __name__, url_prefix="/portal")


def init_portal(app) -> None:
    from . import pages, signin  # noqa: F401  (routes register on bp)

    app.register_blueprint(bp)
