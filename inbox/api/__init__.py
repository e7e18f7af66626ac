"""The REST API v1 (/api/v1): the help desk's second face, over the same services as the web UI.
core.py holds the machinery (tokens, problems, validation, the operation registry); one module per
resource group declares its operations; openapi.py generates the contract and its docs page."""

from __future__ import annotations

from flask import Flask

from .. import webhooks as webhook_service
from ..extensions import csrf
from . import conversations, customers, directory, openapi, webhooks  # noqa: F401  (each declares its routes)
from .core import bp, http_problem
from .schemas import conversation_out

__all__ = ["init_api", "http_problem"]


def init_api(app: Flask) -> None:
    # tokens, not cookies, authenticate here, so there is no cross-site request to forge
    csrf.exempt(bp)
    app.register_blueprint(bp)
    # webhook payloads carry the API's own representation of a conversation
    webhook_service.set_representation(lambda conv: conversation_out(conv).model_dump(mode="json"))
