"""Saved replies: a library of reusable answers with variables, inserted from the reply editor.

The hooks below are the whole plugin; views.py and picker.py are its pages, service.py the rules,
rendering.py the sandboxed template renderer (also used by the auto-responder).
"""
from __future__ import annotations

import os

from flask import url_for

from inbox import Link, hookimpl

from . import picker  # noqa: F401  (adds its routes to bp)
from .cli import group
from .views import bp, last_reply_of

PLUGIN_NAME = "saved_replies"
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
    return [Link(label="Saved replies", url=url_for("saved_replies.index"), id="nav-saved-replies")]


@hookimpl
def editor_buttons(conversation, user):
    return [Link(label="Saved replies", url=url_for("saved_replies.picker", conversation=conversation.id),
                 icon="bookmark", shortcut="Ctrl+Shift+S", id="saved-replies-button")]


@hookimpl
def conversation_actions(conversation, user):
    item = last_reply_of(conversation, user)
    if item is None:
        return []
    return [Link(label="Save last reply as saved reply", url=url_for("saved_replies.new", from_item=item.id),
                 id="save-as-saved-reply")]


@hookimpl
def extra_js(view):
    if view and view.startswith("conversation."):
        return [url_for("saved_replies.static", filename="picker.js")]
    return []


@hookimpl
def extra_css(view):
    return [url_for("saved_replies.static", filename="saved_replies.css")]
