"""Translations: every string a person reads goes through the functions exported here.

Python code: ``from inbox.i18n import gettext as _, ngettext, pgettext, lazy_gettext``, always with
named placeholders (``_("Assigned to %(name)s", name=user.name)``), never string concatenation.
Agent templates: ``{{ _("Close") }}`` / ``{% trans %}`` (Flask-Babel's Jinja extension).
Which language and time zone a viewer gets is decided in ``init_i18n``.
"""
from __future__ import annotations

from flask import Flask
from flask_babel import Babel, gettext, lazy_gettext, lazy_pgettext, ngettext, pgettext

__all__ = ["gettext", "lazy_gettext", "lazy_pgettext", "ngettext", "pgettext", "init_i18n"]

babel = Babel()


def init_i18n(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "en")
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "UTC")
    babel.init_app(app)
