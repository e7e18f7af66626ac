"""What an agent does to a conversation from its page: status, assignee, tags, snooze, merge, move,
and the customer's name and addresses. Each is a CSRF-checked POST that goes through
inbox.conversations / inbox.customers, commits, and returns to the page."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from flask import flash, redirect, request, url_for
from flask_login import current_user, login_required

from ... import conversations
from ...customers import add_email
from ...addresses import is_address
from ...extensions import db
from ...models import STATUSES, Conversation, Mailbox, User
from ...access import conversation_by_number, conversation_by_number_or_404, may_edit_customer, may_see_mailbox
from .views import bp
from ..ui import STATUS_LABELS


def _back(conv: Conversation, anchor: str = ""):
    return redirect(url_for("conversation.show", number=conv.number) + anchor)


@bp.post("/conversations/<int:number>/status")
@login_required
def set_status(number: int):
    conv = conversation_by_number_or_404(number)
    status = request.form.get("status", "")
    if status not in STATUSES:
        flash("Choose a valid status.", "error")
        return _back(conv)
    if conversations.set_status(conv, status, by=current_user):
        db.session.commit()
        flash(f"Status changed to {STATUS_LABELS.get(status, status)}.", "success")
    return _back(conv)


@bp.post("/conversations/<int:number>/assign")
@login_required
def assign(number: int):
    conv = conversation_by_number_or_404(number)
    raw = request.form.get("assignee", "")
    assignee = None
    if raw == "me":
        assignee = current_user._get_current_object()
    elif raw:
        assignee = db.session.get(User, int(raw)) if raw.isdigit() else None
        if assignee is None or not assignee.active:
            flash("That agent does not exist.", "error")
            return _back(conv)
    try:
        changed = conversations.assign(conv, assignee, by=current_user)
    except ValueError as exc:
        flash(str(exc), "error")
        return _back(conv)
    if changed:
        db.session.commit()
        flash(f"Assigned to {assignee.name}." if assignee else "Unassigned.", "success")
    return _back(conv)


@bp.post("/conversations/<int:number>/tags")
@login_required
def add_tag(number: int):
    conv = conversation_by_number_or_404(number)
    names = [n.strip() for n in request.form.get("tag", "").split(",") if n.strip()]
    if not names or any(len(n) > 80 for n in names):
        flash("A tag needs a name of at most 80 characters.", "error")
        return _back(conv)
    for name in names:
        conversations.add_tag(conv, name, by=current_user)
    db.session.commit()
    return _back(conv)


@bp.post("/conversations/<int:number>/tags/remove")
@login_required
def remove_tag(number: int):
    conv = conversation_by_number_or_404(number)
    if conversations.remove_tag(conv, request.form.get("tag", ""), by=current_user):
        db.session.commit()
    return _back(conv)


def _snooze_until(form) -> datetime | None:
    """A preset ("tomorrow", "3d", "1w") or a local date-time plus the browser's UTC offset."""
    now = datetime.now(timezone.utc)
    offset = timedelta(minutes=int(form.get("tz_offset") or 0)) if (form.get("tz_offset") or "0").lstrip("-").isdigit() else timedelta()
    preset = form.get("preset")
    if preset in ("tomorrow", "3d", "1w"):
        days = {"tomorrow": 1, "3d": 3, "1w": 7}[preset]
        local = (now - offset + timedelta(days=days)).replace(hour=9, minute=0, second=0, microsecond=0)
        return local + offset
    raw = form.get("until", "")
    for fmt in ("%Y-%m-%dT%H:%M", "%Y-%m-%d"):
        try:
            local = datetime.strptime(raw, fmt)
        except ValueError:
            continue
        if fmt == "%Y-%m-%d":
            local = local.replace(hour=9)
        return local.replace(tzinfo=timezone.utc) + offset
    return None


@bp.post("/conversations/<int:number>/snooze")
@login_required
def snooze(number: int):
    conv = conversation_by_number_or_404(number)
    until = _snooze_until(request.form)
    if until is None or until <= datetime.now(timezone.utc):
        flash("Choose a time in the future to snooze until.", "error")
        return _back(conv)
    conversations.snooze(conv, until, by=current_user)
    db.session.commit()
    flash(f"Snoozed until {until:%b %-d, %H:%M} UTC; it comes back as active then.", "success")
    return _back(conv)


@bp.post("/conversations/<int:number>/merge")
@login_required
def merge(number: int):
    conv = conversation_by_number_or_404(number)
    raw = request.form.get("other", "").strip().lstrip("#")
    other = conversation_by_number(int(raw)) if raw.isdigit() else None
    if other is None or other.merged_into_id:
        flash(f"There is no conversation #{raw} you can merge." if raw else "Enter a conversation number.", "error")
        return _back(conv)
    if other.id == conv.id:
        flash("A conversation cannot be merged into itself.", "error")
        return _back(conv)
    conversations.merge(conv, other, by=current_user)
    db.session.commit()
    flash(f"#{other.number} was merged into this conversation; its history is below.", "success")
    return _back(conv)


@bp.post("/conversations/<int:number>/move")
@login_required
def move(number: int):
    conv = conversation_by_number_or_404(number)
    raw = request.form.get("mailbox", "")
    mailbox = db.session.get(Mailbox, int(raw)) if raw.isdigit() else None
    if mailbox is None or not may_see_mailbox(mailbox.id):
        flash("Choose a mailbox you have access to.", "error")
        return _back(conv)
    conversations.move(conv, mailbox, by=current_user)
    db.session.commit()
    flash(f"Moved to {mailbox.name}.", "success")
    return _back(conv)


@bp.post("/conversations/<int:number>/customer")
@login_required
def customer_name(number: int):
    conv = conversation_by_number_or_404(number)
    if conv.customer is None:
        flash("This conversation has no customer.", "error")
        return _back(conv)
    if not may_edit_customer(conv.customer):
        flash("This customer also writes to mailboxes you cannot see; ask an admin to change them.", "error")
        return _back(conv)
    name = request.form.get("name", "").strip()
    if len(name) > 200:
        flash("That name is too long.", "error")
        return _back(conv)
    conv.customer.name = name or None
    db.session.commit()
    flash("Customer updated.", "success")
    return _back(conv)


@bp.post("/conversations/<int:number>/customer/emails")
@login_required
def customer_email(number: int):
    conv = conversation_by_number_or_404(number)
    email = request.form.get("email", "").strip()
    if conv.customer is None or not is_address(email):
        flash("Enter a valid email address.", "error")
        return _back(conv)
    if not may_edit_customer(conv.customer):
        flash("This customer also writes to mailboxes you cannot see; ask an admin to change them.", "error")
        return _back(conv)
    try:
        add_email(conv.customer, email)
    except ValueError as exc:
        flash(f"Could not add the address: {exc}.", "error")
        return _back(conv)
    db.session.commit()
    flash(f"Added {email.lower()} to {conv.customer.display_name}.", "success")
    return _back(conv)
