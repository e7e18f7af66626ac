"""Content-Security-Policy for the app's own pages, with a fresh nonce per request.

Inline scripts and <style> elements carry nonce="{{ csp_nonce() }}"; nothing else inline runs.
Routes that need stricter rules (the mail body frame, attachments, downloads) set their own header
first and keep it. The portal is stricter about styles and images so that an admin's custom CSS
cannot call out to another server (review finding 21)."""

from __future__ import annotations

import secrets

from flask import has_request_context, request

_COMMON = (
    "default-src 'self'; script-src 'self' 'nonce-{nonce}'; object-src 'none'; "
    "frame-ancestors 'self'; base-uri 'self'; form-action 'self'"
)
# agent pages: style attributes are used by templates and htmx's indicator styles
AGENT = _COMMON + "; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:"
# portal pages: only our stylesheets (custom CSS is one of them, served from 'self') and images from
# here, so url(...) in custom CSS cannot reach another host
PORTAL = _COMMON + "; style-src 'self' 'nonce-{nonce}'; img-src 'self' data:; font-src 'self'; connect-src 'self'"


def csp_nonce() -> str:
    """The current request's nonce (made on first use)."""
    if not has_request_context():
        return ""
    # kept on the request, not on g: an app context can outlive one request (tests, CLI)
    nonce = request.environ.get("inbox.csp_nonce")
    if nonce is None:
        nonce = request.environ["inbox.csp_nonce"] = secrets.token_urlsafe(18)
    return nonce


def policy_for(path: str) -> str:
    template = PORTAL if path == "/portal" or path.startswith("/portal/") else AGENT
    return template.format(nonce=csp_nonce())
