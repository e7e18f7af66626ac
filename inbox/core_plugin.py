"""The core's own hook implementations: features built the way a plugin would build them.

Registered by the plugin host as the internal plugin ``core`` (always on, never listed), so the
hooks are exercised by the product itself and a plugin author can read this module as a sample.
"""

from __future__ import annotations

from flask import url_for
from markupsafe import Markup

from . import access, webhooks
from .extensions import db
from .hookspecs import hookimpl
from .i18n import gettext as _
from .i18n.labels import status_label
from .models import Conversation
from .plugin_types import Link, Panel

PREVIOUS_LIMIT = 5


@hookimpl
def admin_sections(user):
    """The plugin admin page is reached through the same slot plugins use."""

    return [Link(label=_("Plugins"), url=url_for("plugins_admin.index"), id="admin-plugins")]


@hookimpl
def sidebar_panels(conversation, user):
    if conversation is None or not getattr(conversation, "customer_id", None):
        return []

    return [Panel(id="previous", title=_("Previous conversations"), render=_previous_conversations, order=10)]


def _previous_conversations(conversation, user):
    """The customer's other conversations the agent may see, newest first."""
    query = (
        db.select(Conversation)
        .where(
            Conversation.customer_id == conversation.customer_id,
            Conversation.id != conversation.id,
            Conversation.merged_into_id.is_(None),
        )
        .order_by(Conversation.last_activity_at.desc())
        .limit(PREVIOUS_LIMIT)
    )
    query = access.visible(query, Conversation.mailbox_id, user=user)
    rows = db.session.execute(query).scalars().all()
    if not rows:
        return Markup('<p class="muted">{}</p>').format(_("No other conversations."))
    items = []
    for conv in rows:
        href = _conversation_url(conv)
        label = f"#{conv.number} {conv.subject or _('(no subject)')}"
        items.append(
            Markup('<li><a href="{}">{}</a> <span class="badge badge-{}">{}</span></li>').format(
                href, label, conv.status, status_label(conv.status)
            )
        )
    return Markup('<ul class="previous-conversations">') + Markup("").join(items) + Markup("</ul>")


def _conversation_url(conv) -> str:
    return url_for("conversation.show", number=conv.number)


# --- webhooks: each hook below queues its event in the transaction of the change (inbox.webhooks)


def skips_history(func):
    """Marks an implementation that does nothing for history imports, so the importer need not build
    the call's arguments then (inbox.mail.inbound.ingest: Ingestor._hooked)."""
    func.skips_history = True
    return func


@hookimpl
@skips_history
def conversation_created(conversation, item, history):
    if not history:
        webhooks.record("conversation.created", conversation)


@hookimpl
@skips_history
def customer_replied(conversation, item, history):
    if not history:
        webhooks.record("message.customer_reply", conversation, item_id=item.id)


@hookimpl
def agent_replied(conversation, item, user):
    webhooks.record("message.agent_reply", conversation, item_id=item.id)


@hookimpl
def note_added(conversation, item, user):
    webhooks.record("note.created", conversation, item_id=item.id)


@hookimpl
def status_changed(conversation, old, new, user):
    webhooks.record("conversation.status_changed", conversation, old=old, new=new)


@hookimpl
def conversation_assigned(conversation, assignee, user):
    webhooks.record("conversation.assigned", conversation, assignee_id=assignee.id if assignee else None)
