"""Saved replies: a library of reusable answers with variables, inserted from the reply editor.

The hooks below are the whole plugin; views.py and picker.py are its pages, service.py the rules,
templates render with core's inbox.templating (shared with the auto-responder).
"""

from __future__ import annotations

import os

from flask import url_for

from inbox import Link, hookimpl

from . import i18n as _i18n  # the plugin's catalogue
from . import picker  # noqa: F401  (adds its routes to bp)
from .cli import group
from .views import bp, last_reply_of

PLUGIN_NAME = "saved_replies"
# the admin page's "Title: summary", in the admin's language (the docstring is for developers)
DESCRIPTION = _i18n.tr.lazy_gettext(
    "Saved replies: a library of reusable answers with variables, inserted from the reply editor."
)
HERE = os.path.dirname(__file__)


@hookimpl
def register_blueprints(app):
    return bp


@hookimpl
def register_migrations():
    return os.path.join(HERE, "migrations")


@hookimpl
def register_commands(cli):
    cli.add_command(group)


@hookimpl
def nav_items(user):
    from .i18n import _

    return [Link(label=_("Saved replies"), url=url_for("saved_replies.index"), id="nav-saved-replies")]


@hookimpl
def editor_buttons(conversation, user):
    from .i18n import _

    return [
        Link(
            label=_("Saved replies"),
            url=url_for("saved_replies.picker", conversation=conversation.id),
            icon="bookmark",
            shortcut="Ctrl+Shift+S",
            id="saved-replies-button",
        )
    ]


@hookimpl
def conversation_actions(conversation, user):
    item = last_reply_of(conversation, user)
    if item is None:
        return []
    from .i18n import _

    return [
        Link(
            label=_("Save last reply as saved reply"),
            url=url_for("saved_replies.new", from_item=item.id),
            id="save-as-saved-reply",
        )
    ]


@hookimpl
def extra_js(view):
    if view and view.startswith("conversation."):
        return [url_for("saved_replies.static", filename="picker.js")]
    return []


@hookimpl
def extra_css(view):
    return [url_for("saved_replies.static", filename="saved_replies.css")]
