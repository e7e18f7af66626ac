"""Knowledge base: articles in Markdown, full-text search (English and CJK), article suggestions
beside each conversation, and public help pages in the customer portal.

Uses only the public plugin API: hooks from ``inbox.hookspecs``, ``inbox.models`` for reading,
``inbox.extensions.db`` for its own tables (migrations in ``migrations/``).
"""

from __future__ import annotations

import os

from flask import render_template, url_for
from markupsafe import Markup

from inbox import Link, Panel, Suggestion, hookimpl

from . import i18n as _i18n  # the plugin's catalogue
from . import models  # noqa: F401  (tables on the shared metadata)
from .cli import kb
from .portal import portal_bp
from .suggest import for_conversation
from .views import admin_bp, agent_bp

PLUGIN_NAME = "kb"
# the admin page's "Title: summary", in the admin's language (the docstring is for developers)
DESCRIPTION = _i18n.tr.lazy_gettext(
    "Knowledge base: articles in Markdown, full-text search (English and CJK), article suggestions "
    "beside each conversation, and public help pages in the customer portal."
)
HERE = os.path.dirname(__file__)


@hookimpl
def register_migrations():
    return os.path.join(HERE, "migrations")


@hookimpl
def register_blueprints(app):
    return [admin_bp, agent_bp, portal_bp]


@hookimpl
def register_commands(cli):
    cli.add_command(kb)


@hookimpl
def nav_items(user):
    # articles are managed by admins; agents meet them as suggestions beside conversations
    from .i18n import _

    return [Link(label=_("Knowledge base"), url=url_for("kb_admin.index"), id="nav-kb")] if user.is_admin else []


@hookimpl
def portal_nav_items(customer):
    from .i18n import _

    return [Link(label=_("Help articles"), url=url_for("kb_portal.index"))]


@hookimpl
def extra_js(view):
    return [url_for("kb_admin.static", filename="kb.js")] if view and view.startswith("conversation") else []


@hookimpl
def suggestions(conversation, item, limit):
    return [
        Suggestion(
            title=h.article.title,
            url=_article_url(h.article.slug),
            snippet=str(h.snippet),
            insert=h.article.body,
            score=h.score,
            key=str(h.article.id),
        )
        for h in for_conversation(conversation, item, limit=limit or 3)
    ]


def _article_url(slug: str) -> str:
    from inbox.urls import external_url

    # the link goes into mail to customers: built on BASE_URL, never on the request's Host
    return external_url("kb_portal.article", slug=slug)


@hookimpl
def sidebar_panels(conversation, user):
    from .i18n import _

    return [Panel(id="suggestions", title=_("Suggested articles"), render=_render_panel, order=50)]


def _render_panel(conversation, user) -> Markup:
    hits = for_conversation(conversation, limit=3)
    return Markup(render_template("kb/panel.html", hits=hits, conversation=conversation))
