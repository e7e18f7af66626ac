"""Who may see what. Every view looks objects up through here, so a guessed id from a mailbox the
agent was not granted is a 404, never a 403 that confirms it exists."""
from __future__ import annotations

import secrets
from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from .extensions import db, login_manager
from .models import Attachment, Conversation, Customer, Mailbox, ThreadItem, User


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    # "id:fingerprint" since logins carry the password fingerprint; a bare id is a session from
    # before that (or a test's), still signed by SECRET_KEY
    raw_id, _, fingerprint = user_id.partition(":")
    user = db.session.get(User, int(raw_id)) if raw_id.isdigit() else None
    if user is None or not user.active:
        return None
    if fingerprint and not secrets.compare_digest(fingerprint, user.session_fingerprint()):
        return None  # the password changed since this session began
    return user


def admin_required(view):
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_admin:
            abort(404)
        return view(*args, **kwargs)

    return wrapped


def visible(query, mailbox_column=Conversation.mailbox_id, user: User | None = None):
    """Restrict a select() to the mailboxes the user may see."""
    user = user or current_user
    ids = user.visible_mailbox_ids()
    if ids is None:
        return query
    return query.where(mailbox_column.in_(ids or [-1]))


def mailbox_or_404(mailbox_id: int) -> Mailbox:
    mailbox = db.session.get(Mailbox, mailbox_id)
    if mailbox is None or not current_user.can_see_mailbox(mailbox.id):
        abort(404)
    return mailbox


def conversation_or_404(conversation_id: int) -> Conversation:
    conv = db.session.get(Conversation, conversation_id)
    if conv is None or not current_user.can_see_mailbox(conv.mailbox_id):
        abort(404)
    return conv


def conversation_by_number_or_404(number: int) -> Conversation:
    conv = db.session.execute(db.select(Conversation).where(Conversation.number == number)).scalar_one_or_none()
    if conv is None or not current_user.can_see_mailbox(conv.mailbox_id):
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
    user = user or current_user
    ids = user.visible_mailbox_ids()
    if ids is None:
        return True
    theirs = set(db.session.execute(db.select(Conversation.mailbox_id).where(
        Conversation.customer_id == customer.id).distinct()).scalars())
    return theirs <= set(ids)
