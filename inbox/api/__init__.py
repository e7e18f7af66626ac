"""The REST API v1 (/api/v1): the help desk's second face, over the same services as the web UI.
core.py holds the machinery (tokens, problems, validation, the operation registry); one module per
resource group declares its operations; openapi.py generates the contract and its docs page."""
from __future__ import annotations

from flask import Flask

from ..extensions import csrf
from . import conversations, customers, directory, openapi  # noqa: F401  (each module declares its routes)
from .core import bp, http_problem

__all__ = ["init_api", "http_problem"]


def init_api(app: Flask) -> None:
    # tokens, not cookies, authenticate here, so there is no cross-site request to forge
    csrf.exempt(bp)
    app.register_blueprint(bp)
