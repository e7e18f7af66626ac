"""Error pages in the product's own look: agents get the app layout, customers the portal theme.
Werkzeug's bare "Not Found" page looked like a crash and offered no way back."""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from ..api import http_problem
from ..i18n import gettext as _
from ..i18n import lazy_gettext

bp = Blueprint("errors", __name__)
log = logging.getLogger(__name__)

MESSAGES = {
    400: (
        lazy_gettext("Something in that request was not right"),
        lazy_gettext("Go back, reload the page and try again."),
    ),
    403: (lazy_gettext("You don't have access to this page"), lazy_gettext("Ask an admin if you think you should.")),
    404: (lazy_gettext("Page not found"), lazy_gettext("The link may be old, or the item was deleted or moved.")),
    405: (lazy_gettext("That action is not available here"), lazy_gettext("Go back and use the page's buttons.")),
    413: (lazy_gettext("That upload is too large"), lazy_gettext("Send smaller files, or fewer at once.")),
    429: (lazy_gettext("Too many requests"), lazy_gettext("Wait a moment, then try again.")),
    500: (
        lazy_gettext("Something went wrong on our side"),
        lazy_gettext("The error was logged. Try again in a moment."),
    ),
}


def _render(code: int, title: str, hint: str):
    from flask.globals import request_ctx

    if request_ctx.url_adapter is None:
        # the Host header is not ours (TRUSTED_HOSTS): no URL can be built, so no page layout
        return f"{title}. {hint}", code, {"Content-Type": "text/plain; charset=utf-8"}
    if request.headers.get("HX-Request"):
        return _(
            "%(title)s. %(hint)s", title=title, hint=hint
        ), code  # a fragment swap must not pull a whole page into the view
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
    if exc.code == 413 and current_app.config.get("MAX_CONTENT_LENGTH"):
        # say what the limit is (MAX_CONTENT_LENGTH: the attachment limit plus room for the form)
        hint = _(
            "Everything sent at once may be at most %(mb)s MB. Send smaller files, or fewer at once.",
            mb=round(current_app.config["MAX_CONTENT_LENGTH"] / (1024 * 1024)),
        )
    return _render(exc.code, title, hint)


def _csrf_error(exc: CSRFError):
    return _render(400, _("This form has expired"), _("Reload the page and send it again."))


def _server_error(exc: InternalServerError):
    try:
        return _render(500, *MESSAGES[500])
    except Exception:  # the error page must never raise in turn
        log.exception("error page failed")
        return "Something went wrong on our side.", 500  # English on purpose: translating could fail too


def init_app(app) -> None:
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(InternalServerError, _server_error)
    app.register_error_handler(HTTPException, _http_error)
