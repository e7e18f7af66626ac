"""Error pages in the product's own look: agents get the app layout, customers the portal theme.
Werkzeug's bare "Not Found" page looked like a crash and offered no way back."""
from __future__ import annotations

import logging

from flask import Blueprint, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from ..api import http_problem

bp = Blueprint("errors", __name__)
log = logging.getLogger(__name__)

MESSAGES = {
    400: ("Something in that request was not right", "Go back, reload the page and try again."),
    403: ("You don't have access to this page", "Ask an admin if you think you should."),
    404: ("Page not found", "The link may be old, or the item was deleted or moved."),
    405: ("That action is not available here", "Go back and use the page's buttons."),
    413: ("That upload is too large", "Send smaller files, or fewer at once."),
    429: ("Too many requests", "Wait a moment, then try again."),
    500: ("Something went wrong on our side", "The error was logged. Try again in a moment."),
}


def _render(code: int, title: str, hint: str):
    if request.headers.get("HX-Request"):
        return f"{title}. {hint}", code  # a fragment swap must not pull a whole page into the view
    if request.path.startswith("/portal"):
        from ..themes import render_portal

        return render_portal("portal/error.html", code=code, title=title, hint=hint), code
    return render_template("error.html", code=code, title=title, hint=hint), code


def _http_error(exc: HTTPException):
    if exc.code is None or exc.code < 400 or exc.response is not None:
        return exc
    if request.path.startswith("/api/"):
        return http_problem(exc)  # a script gets problem+json, also for a URL that matches no route
    title, hint = MESSAGES.get(exc.code, (exc.name, ""))
    return _render(exc.code, title, hint)


def _csrf_error(exc: CSRFError):
    return _render(400, "This form has expired", "Reload the page and send it again.")


def _server_error(exc: InternalServerError):
    try:
        return _render(500, *MESSAGES[500])
    except Exception:  # the error page must never raise in turn
        log.exception("error page failed")
        return "Something went wrong on our side.", 500


def init_app(app) -> None:
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(InternalServerError, _server_error)
    app.register_error_handler(HTTPException, _http_error)
