"""Translations: every string a person reads goes through the functions exported here.

Python code: ``from inbox.i18n import gettext as _, ngettext, pgettext, lazy_gettext``, always with
named placeholders (``_("Assigned to %(name)s", name=user.name)``), never string concatenation.
Agent templates: ``{{ _("Close") }}`` / ``{% trans %}`` (Flask-Babel's Jinja extension); portal
themes get the same functions in their sandboxed environment (inbox.themes).

Which language and time zone a viewer gets: inbox.i18n.selection. Mail to a customer is rendered
inside ``force_locale(customer_locale(customer, mailbox))``. Dates, times, numbers, durations:
inbox.i18n.formatting, also as Jinja filters (see FILTERS). The catalogue lives in
inbox/translations/<lang>/LC_MESSAGES/messages.po; docs/i18n.md has the commands.
"""

from __future__ import annotations

from flask import Flask
from flask_babel import (
    Babel,
    force_locale,
    get_locale,
    get_timezone,
    get_translations,
    gettext,
    lazy_gettext,
    lazy_pgettext,
    ngettext,
    pgettext,
    refresh,
)
from markupsafe import Markup

from . import formatting
from .selection import (
    agent_locale,
    customer_locale,
    install_locale,
    install_timezone,
    locale_names,
    portal_locale,
    select_locale,
    select_timezone,
    supported_locales,
    timezone_names,
)

__all__ = [
    "N_",
    "gettext",
    "lazy_gettext",
    "lazy_pgettext",
    "ngettext",
    "pgettext",
    "force_locale",
    "get_locale",
    "get_timezone",
    "init_i18n",
    "agent_locale",
    "customer_locale",
    "portal_locale",
    "install_locale",
    "install_timezone",
    "supported_locales",
    "locale_names",
    "timezone_names",
    "formatting",
    "FILTERS",
    "install_jinja_i18n",
]

babel = Babel()


def N_(message: str) -> str:
    """Marks a string for extraction only; whoever shows it translates it with gettext later
    (e.g. flask-login's login_message, translated by its localize_callback)."""
    return message


FILTERS = {
    "datetime": formatting.format_datetime,
    "date": formatting.format_date,
    "time": formatting.format_time,
    "relative": formatting.format_relative,
    "duration": formatting.format_duration,
    "number": formatting.format_number,
    "currency": formatting.format_currency,
}


def install_jinja_i18n(env) -> None:
    """The i18n extension and gettext functions for a Jinja environment Flask-Babel does not set up
    (the portal themes' sandbox): the same catalogue and the same autoescaping new-style calls."""

    env.add_extension("jinja2.ext.i18n")
    # Markup("<code>%s</code>") % value: markup inside a translated sentence, the value still escaped
    env.globals.setdefault("Markup", Markup)
    env.install_gettext_callables(
        gettext=lambda s: get_translations().ugettext(s),
        ngettext=lambda s, p, n: get_translations().ungettext(s, p, n),
        pgettext=lambda c, s: get_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: get_translations().unpgettext(c, s, p, n),
        newstyle=True,
    )


def init_i18n(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "en")
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "UTC")
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)

    @app.before_request
    def _choose_again():
        # Flask-Babel caches the choice on g, and an app context may outlive one request (tests,
        # CLI-driven requests): every request decides afresh for whoever is signed in

        refresh()

    app.jinja_env.filters.update(FILTERS)

    app.jinja_env.globals.update(current_locale=lambda: str(get_locale()), locale_names=locale_names, Markup=Markup)
