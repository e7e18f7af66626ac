"""Which language and which time zone a viewer gets.

Agents: their profile setting, else the browser's Accept-Language, else the install default.
Portal visitors: the portal's language switch (session, and remembered on the customer), else
Accept-Language, else the install default. Mail to a customer: the language they last used in the
portal, else the mailbox's language, else the install default; never the agent's (mail is rendered
inside ``flask_babel.force_locale(customer_locale(...))``).

The install defaults are the admin's database settings (Admin -> Settings), else config
DEFAULT_LOCALE / DEFAULT_TIMEZONE, else English and UTC.
"""

from __future__ import annotations

import os
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from babel import Locale
from flask import current_app, has_request_context, request, session
from flask_login import current_user

from ..extensions import db
from ..models import Customer, get_setting

TRANSLATIONS_DIR = os.path.join(os.path.dirname(os.path.dirname(__file__)), "translations")
LOCALE_SETTING = "default_locale"
TIMEZONE_SETTING = "default_timezone"
PORTAL_SESSION_KEY = "portal_locale"


@lru_cache(maxsize=1)
def supported_locales() -> tuple[str, ...]:
    """Every language with a core catalogue: adding a language is adding its messages.po."""
    found = []
    for name in sorted(os.listdir(TRANSLATIONS_DIR)):
        if os.path.isfile(os.path.join(TRANSLATIONS_DIR, name, "LC_MESSAGES", "messages.po")):
            found.append(name)
    # English first: it is the language the code is written in and the last fallback
    return tuple(sorted(found, key=lambda n: (n != "en", n)))


def locale_names() -> list[tuple[str, str]]:
    """(code, the language's own name) for pickers: each language is offered in itself."""

    return [(code, Locale.parse(code).get_display_name(code).capitalize()) for code in supported_locales()]


@lru_cache(maxsize=1)
def timezone_names() -> tuple[str, ...]:
    return tuple(sorted(z for z in available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/")))) + (
        "UTC",
    )


def valid_locale(value: str | None) -> str | None:
    return value if value in supported_locales() else None


def valid_timezone(value: str | None) -> str | None:
    if not value:
        return None
    try:
        ZoneInfo(value)
    except (ValueError, KeyError, OSError):  # ZoneInfoNotFoundError is a KeyError
        return None
    return value if value in timezone_names() or value == "UTC" else None


def _setting(key: str):

    try:
        return get_setting(key)
    except Exception:  # noqa: BLE001  (no table yet: `inbox init-db` before the first migration)
        db.session.rollback()
        return None


def install_locale() -> str:
    return valid_locale(_setting(LOCALE_SETTING)) or valid_locale(current_app.config.get("DEFAULT_LOCALE")) or "en"


def install_timezone() -> str:
    return (
        valid_timezone(_setting(TIMEZONE_SETTING))
        or valid_timezone(current_app.config.get("DEFAULT_TIMEZONE"))
        or "UTC"
    )


def browser_locale() -> str | None:
    if not has_request_context():
        return None
    return request.accept_languages.best_match(supported_locales())


def _is_portal_request() -> bool:
    # the portal and plugins' portal pages live under /portal (KB articles included)
    return request.path == "/portal" or request.path.startswith("/portal/")


def _agent():

    return current_user if current_user and current_user.is_authenticated else None


def agent_locale(user=None) -> str:
    user = user or _agent()
    return valid_locale(getattr(user, "locale", None)) or browser_locale() or install_locale()


def portal_locale() -> str:
    chosen = valid_locale(session.get(PORTAL_SESSION_KEY))
    if chosen:
        return chosen
    customer_id = session.get("portal_customer_id")  # the portal's signed-in customer, if any
    customer = db.session.get(Customer, customer_id) if customer_id else None
    return valid_locale(getattr(customer, "locale", None)) or browser_locale() or install_locale()


def customer_locale(customer=None, mailbox=None) -> str:
    """The language of mail to a customer: their last portal language, else the mailbox's, else the
    install's. Use as ``with force_locale(customer_locale(c, mb)):`` around rendering the mail."""
    return (
        valid_locale(getattr(customer, "locale", None))
        or valid_locale(getattr(mailbox, "locale", None))
        or install_locale()
    )


def environment_locale() -> str | None:
    """The shell's language (LC_ALL, LC_MESSAGES, LANG in POSIX order), for the CLI: ko_KR.UTF-8 -> ko."""
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var)
        if value:
            return valid_locale(value.split(".")[0].split("@")[0].split("_")[0])
    return None


def select_locale() -> str:
    """Flask-Babel's locale selector (once per request). Outside a request (the CLI, the worker's
    own messages): the shell's language, else the install's. Mail is rendered with force_locale."""
    if not has_request_context():
        return environment_locale() or install_locale()
    if _is_portal_request():
        return portal_locale()
    return agent_locale()


def select_timezone() -> str:
    """Flask-Babel's time-zone selector: the agent's own zone, else the install's (portal too)."""
    if has_request_context() and not _is_portal_request():
        user = _agent()
        zone = valid_timezone(getattr(user, "timezone", None))
        if zone:
            return zone
    return install_timezone()
