"""Who may see what: the access rule of the help desk, in one place. The web faces, search, the core
plugin and every plugin look mailboxes, conversations, items and attachments up through here, so a
guessed id from a mailbox the agent was not granted is a 404, never a 403 that confirms it exists.

Part of the plugin API (docs/plugins.md): `visible_mailbox_ids`, `may_see_mailbox`,
`mailbox_clause`, `visible`, `conversation_or_404`, `conversation_by_number_or_404`, ...
A test (tests/test_access.py) fails when the rule is written anywhere else.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort
from flask_login import current_user, login_required
from sqlalchemy import ColumnElement, Select, true

from .extensions import db, login_manager
from .models import Attachment, Conversation, Customer, Mailbox, ThreadItem, User


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    # "id:fingerprint:generation" (User.get_id); a shorter value is a session from before those
    # parts existed, still signed by SECRET_KEY: a missing generation counts as 0, so it ends
    # with the user's first logout too
    raw_id, _, rest = user_id.partition(":")
    fingerprint, _, generation = rest.partition(":")
    user = db.session.get(User, int(raw_id)) if raw_id.isdigit() else None
    if user is None or not user.active:
        return None
    if fingerprint and not secrets.compare_digest(fingerprint, user.session_fingerprint()):
        return None  # the password changed since this session began
    if (generation or "0") != str(user.session_generation or 0):
        return None  # the user logged out since (review finding 17)
    return user


def admin_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    @login_required
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_admin:
            abort(404)
        return view(*args, **kwargs)

    return wrapped


def _who(user: User | None) -> User:
    return user if user is not None else current_user


def visible_mailbox_ids(user: User | None = None) -> set[int] | None:
    """The ids of the mailboxes the user (default: the signed-in one) may see; None means all (admins)."""
    return _who(user).visible_mailbox_ids()


def may_see_mailbox(mailbox_id: int | None, user: User | None = None) -> bool:
    return mailbox_id is not None and _who(user).can_see_mailbox(mailbox_id)


def may_see_conversation(conv: Conversation | None, user: User | None = None) -> bool:
    return conv is not None and may_see_mailbox(conv.mailbox_id, user)


def mailbox_clause(mailbox_column: Any = Conversation.mailbox_id, user: User | None = None) -> ColumnElement[bool]:
    """A WHERE clause: the row's mailbox is one the user may see (always true for admins)."""
    ids = visible_mailbox_ids(user)
    if ids is None:
        return true()
    return mailbox_column.in_(ids or [-1])  # an empty IN () is not valid SQL everywhere


def visible(query: Select, mailbox_column: Any = Conversation.mailbox_id, user: User | None = None) -> Select:
    """Restrict a select() to the mailboxes the user may see."""
    if visible_mailbox_ids(user) is None:
        return query
    return query.where(mailbox_clause(mailbox_column, user))


def mailbox_or_404(mailbox_id: int) -> Mailbox:
    mailbox = db.session.get(Mailbox, mailbox_id)
    if mailbox is None or not may_see_mailbox(mailbox.id):
        abort(404)
    return mailbox


def conversation_or_404(conversation_id: int | None) -> Conversation:
    conv = db.session.get(Conversation, conversation_id) if conversation_id is not None else None
    if not may_see_conversation(conv):
        abort(404)
    return conv


def conversation_by_number(number: int, user: User | None = None) -> Conversation | None:
    """The conversation with this number if the user may see it (for forms that name another one)."""
    conv = db.session.execute(db.select(Conversation).where(Conversation.number == number)).scalar_one_or_none()
    return conv if may_see_conversation(conv, user) else None


def conversation_by_number_or_404(number: int) -> Conversation:
    conv = conversation_by_number(number)
    if conv is None:
        abort(404)
    return conv


def item_or_404(item_id: int) -> ThreadItem:
    item = db.session.get(ThreadItem, item_id)
    if item is None:
        abort(404)
    conversation_or_404(item.conversation_id)
    return item


def attachment_or_404(attachment_id: int) -> Attachment:
    att = db.session.get(Attachment, attachment_id)
    if att is None or att.item_id is None:
        abort(404)
    item_or_404(att.item_id)
    return att


def may_edit_customer(customer: Customer, user: User | None = None) -> bool:
    """A customer is shared by every mailbox they wrote to. Renaming them or adding an address
    (which can sign in to the portal and joins future mail to them) is for someone who sees all of
    their conversations, so an agent cannot reach another mailbox's history through the customer."""
    ids = visible_mailbox_ids(user)
    if ids is None:
        return True
    theirs = set(
        db.session.execute(
            db.select(Conversation.mailbox_id).where(Conversation.customer_id == customer.id).distinct()
        ).scalars()
    )
    return theirs <= set(ids)


def customer_clause(user: User | None = None) -> ColumnElement[bool]:
    """A WHERE clause on Customer: one the user may see. A customer is shared by the mailboxes they
    wrote to, so an agent sees those with a conversation in a granted mailbox, and those with no
    conversation at all yet (they hold no mailbox's history); admins see everyone."""
    ids = visible_mailbox_ids(user)
    if ids is None:
        return true()
    any_conv = db.select(Conversation.id).where(Conversation.customer_id == Customer.id)
    granted = any_conv.where(Conversation.mailbox_id.in_(ids or [-1]))
    return granted.exists() | ~any_conv.exists()


def customer_or_404(customer_id: int, user: User | None = None) -> Customer:
    found = db.session.execute(
        db.select(Customer).where(Customer.id == customer_id, customer_clause(user))
    ).scalar_one_or_none()
    if found is None:
        abort(404)
    return found
