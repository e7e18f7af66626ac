"""Auto-responder: answer new customer mail once, per mailbox, with office hours and loop guards.

Hooks only; responder.py does the work, policy.py decides, schedule.py knows office hours,
views.py is the admin page. Messages render with core's bounded inbox.templating.
"""

from __future__ import annotations

import os

from flask import url_for

from inbox import Link, SettingSpec, hookimpl

from . import i18n as _i18n  # the plugin's catalogue
from .i18n import lazy_gettext
from .policy import DEFAULT_DAILY_CAP, DEFAULT_DOMAIN_DAILY_CAP, DEFAULT_NEVER_ANSWER
from .responder import handle
from .views import bp

PLUGIN_NAME = "autoresponder"
# the admin page's "Title: summary", in the admin's language (the docstring is for developers)
DESCRIPTION = _i18n.tr.lazy_gettext(
    "Auto-responder: answer new customer mail once, per mailbox, with office hours and loop guards."
)
HERE = os.path.dirname(__file__)


@hookimpl
def register_settings():
    return [
        SettingSpec(
            "never_answer_pattern",
            lazy_gettext("Never answer addresses matching"),
            default=DEFAULT_NEVER_ANSWER,
            help=lazy_gettext("A regular expression (case-insensitive) searched in the sender's address."),
        ),
        SettingSpec(
            "daily_cap",
            lazy_gettext("Auto-replies per sender address per day"),
            type="number",
            default=DEFAULT_DAILY_CAP,
            help=lazy_gettext("Across all mailboxes; stops loops with other robots."),
        ),
        SettingSpec(
            "domain_daily_cap",
            lazy_gettext("Auto-replies per sender domain per day"),
            type="number",
            default=DEFAULT_DOMAIN_DAILY_CAP,
            help=lazy_gettext(
                "Across all mailboxes; stops one sender from using us to mail many addresses. 0 turns it off."
            ),
        ),
    ]


@hookimpl
def register_migrations():
    return os.path.join(HERE, "migrations")


@hookimpl
def register_blueprints(app):
    return bp


@hookimpl
def admin_sections(user):
    from .i18n import _

    return [Link(label=_("Auto-responder"), url=url_for("autoresponder.index"), id="admin-autoresponder")]


@hookimpl
def conversation_created(conversation, item, history):
    if history:  # a history import never answers; return before any query (10k+ calls)
        return
    handle(conversation, item, bool(history), is_new=True)


@hookimpl
def customer_replied(conversation, item, history):
    if history:
        return
    handle(conversation, item, bool(history), is_new=False)
