"""Auto-responder: answer new customer mail once, per mailbox, with office hours and loop guards.

Hooks only; responder.py does the work, policy.py decides, schedule.py knows office hours,
views.py is the admin page. Messages render with the saved_replies plugin's sandboxed renderer.
"""
from __future__ import annotations

import os

from flask import url_for

from inbox import Link, SettingSpec, hookimpl

from .policy import DEFAULT_DAILY_CAP, DEFAULT_NEVER_ANSWER
from .responder import handle
from .views import bp

PLUGIN_NAME = "autoresponder"
HERE = os.path.dirname(__file__)


@hookimpl
def register_settings():
    return [
        SettingSpec("never_answer_pattern", "Never answer addresses matching", default=DEFAULT_NEVER_ANSWER,
                    help="A regular expression (case-insensitive) searched in the sender's address."),
        SettingSpec("daily_cap", "Auto-replies per sender address per day", type="number",
                    default=DEFAULT_DAILY_CAP, help="Across all mailboxes; stops loops with other robots."),
    ]


@hookimpl
def register_migrations():
    return os.path.join(HERE, "migrations")


@hookimpl
def register_blueprints(app):
    return bp


@hookimpl
def admin_sections(user):
    return [Link(label="Auto-responder", url=url_for("autoresponder.index"), id="admin-autoresponder")]


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
