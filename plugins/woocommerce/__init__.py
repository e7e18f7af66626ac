"""WooCommerce: what the customer bought, beside each conversation.

Hooks only; the work is in client (HTTP), orders (fetch and merge), cache, service, views.
"""

from __future__ import annotations

import os

from flask import url_for

from inbox import Link, Panel, hookimpl

from . import cache  # noqa: F401  (registers the woocommerce_cache table)
from . import i18n as _i18n  # the catalogue only (no models): safe at import time
from .service import cached_orders
from .settings import SPECS, load
from .views import bp, render_panel

PLUGIN_NAME = "woocommerce"
# the admin page's "Title: summary", in the admin's language (the docstring is for developers)
DESCRIPTION = _i18n.tr.lazy_gettext("WooCommerce: what the customer bought, beside each conversation.")
HERE = os.path.dirname(os.path.abspath(__file__))


@hookimpl
def register_settings():
    return SPECS


@hookimpl
def register_migrations():
    return os.path.join(HERE, "migrations")


@hookimpl
def register_blueprints(app):
    return bp


def _has_customer(conversation) -> bool:
    return getattr(conversation, "customer", None) is not None


@hookimpl
def sidebar_panels(conversation, user):
    if not _has_customer(conversation):
        return []
    if not load().configured and not getattr(user, "is_admin", False):
        return []  # agents see nothing until an admin sets the store up; admins see how to

    from .i18n import _

    return [Panel(id="orders", title=_("WooCommerce orders"), render=render_panel, order=50)]


@hookimpl
def editor_buttons(conversation, user):
    if conversation is None or not _has_customer(conversation):
        return []
    if not load().configured and not getattr(user, "is_admin", False):
        return []  # as with the panel: a button that can only say "not set up" is noise for agents
    from .i18n import _

    return [
        Link(
            label=_("Insert order"),
            icon="cart",
            id="woocommerce-insert-order",
            url=url_for("woocommerce.popover", conversation_id=conversation.id),
        )
    ]


@hookimpl
def admin_sections(user):
    return [Link(label="WooCommerce", url=url_for("woocommerce.admin"), id="woocommerce-admin")]


@hookimpl
def extra_css(view):
    return [url_for("woocommerce.static", filename="woocommerce.css")]


@hookimpl
def extra_js(view):
    return [url_for("woocommerce.static", filename="woocommerce.js")]


@hookimpl
def template_variables(conversation, user):
    """``woocommerce.orders`` and ``woocommerce.last_order`` for saved replies, from the cache only:
    a reply template never waits for the store."""
    if conversation is None or not _has_customer(conversation):
        return None
    orders = cached_orders(conversation)
    if orders is None:
        return None
    return {"woocommerce": {"orders": orders, "last_order": orders[0] if orders else None}}
