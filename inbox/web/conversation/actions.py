"""What an agent does to a conversation from its page: status, assignee, tags, snooze, merge, move,
and the customer's name and addresses. Each is a CSRF-checked POST that goes through
inbox.conversations / inbox.customers, commits, and returns to the page."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

from flask import flash, redirect, request, url_for
from flask_login import current_user, login_required

from ... import conversations
from ...access import conversation_by_number, conversation_by_number_or_404, may_edit_customer, may_see_mailbox
from ...addresses import is_address
from ...customers import add_email
from ...extensions import db
from ...i18n import gettext as _
from ...i18n.formatting import format_datetime, viewer_zone
from ...i18n.labels import status_label
from ...models import STATUSES, Conversation, Mailbox, User
from .views import bp


def _back(conv: Conversation, anchor: str = ""):
    return redirect(url_for("conversation.show", number=conv.number) + anchor)


@bp.post("/conversations/<int:number>/status")
@login_required
def set_status(number: int):
    conv = conversation_by_number_or_404(number)
    status = request.form.get("status", "")
    if status not in STATUSES:
        flash(_("Choose a valid status."), "error")
        return _back(conv)
    if conversations.set_status(conv, status, by=current_user):
        db.session.commit()
        flash(_("Status changed to %(status)s.", status=status_label(status)), "success")
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
            flash(_("That agent does not exist."), "error")
            return _back(conv)
    try:
        changed = conversations.assign(conv, assignee, by=current_user)
    except ValueError as exc:
        flash(str(exc), "error")
        return _back(conv)
    if changed:
        db.session.commit()
        flash(_("Assigned to %(name)s.", name=assignee.name) if assignee else _("Unassigned."), "success")
    return _back(conv)


@bp.post("/conversations/<int:number>/tags")
@login_required
def add_tag(number: int):
    conv = conversation_by_number_or_404(number)
    names = [n.strip() for n in request.form.get("tag", "").split(",") if n.strip()]
    if not names or any(len(n) > 80 for n in names):
        flash(_("A tag needs a name of at most 80 characters."), "error")
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
    """A preset ("tomorrow", "3d", "1w": 9:00 that day) or a date-time, both in the agent's time
    zone (the one every time on the page is shown in), converted with zoneinfo so DST is right.
    (The form's tz_offset, a fixed browser offset, is no longer used.)"""
    zone = viewer_zone()
    now = datetime.now(timezone.utc).astimezone(zone)
    preset = form.get("preset")
    if preset in ("tomorrow", "3d", "1w"):
        days = {"tomorrow": 1, "3d": 3, "1w": 7}[preset]
        day = (now + timedelta(days=days)).date()
        return datetime.combine(day, time(9, 0), tzinfo=zone).astimezone(timezone.utc)
    raw = form.get("until", "")
    for fmt in ("%Y-%m-%dT%H:%M", "%Y-%m-%d"):
        try:
            local = datetime.strptime(raw, fmt)
        except ValueError:
            continue
        if fmt == "%Y-%m-%d":
            local = local.replace(hour=9)
        return local.replace(tzinfo=zone).astimezone(timezone.utc)
    return None


@bp.post("/conversations/<int:number>/snooze")
@login_required
def snooze(number: int):
    conv = conversation_by_number_or_404(number)
    until = _snooze_until(request.form)
    if until is None or until <= datetime.now(timezone.utc):
        flash(_("Choose a time in the future to snooze until."), "error")
        return _back(conv)
    conversations.snooze(conv, until, by=current_user)
    db.session.commit()
    flash(_("Snoozed until %(time)s; it comes back as active then.", time=format_datetime(until)), "success")
    return _back(conv)


@bp.post("/conversations/<int:number>/merge")
@login_required
def merge(number: int):
    conv = conversation_by_number_or_404(number)
    raw = request.form.get("other", "").strip().lstrip("#")
    other = conversation_by_number(int(raw)) if raw.isdigit() else None
    if other is None or other.merged_into_id:
        flash(
            _("There is no conversation #%(number)s you can merge.", number=raw)
            if raw
            else _("Enter a conversation number."),
            "error",
        )
        return _back(conv)
    if other.id == conv.id:
        flash(_("A conversation cannot be merged into itself."), "error")
        return _back(conv)
    conversations.merge(conv, other, by=current_user)
    db.session.commit()
    flash(_("#%(number)s was merged into this conversation; its history is below.", number=other.number), "success")
    return _back(conv)


@bp.post("/conversations/<int:number>/move")
@login_required
def move(number: int):
    conv = conversation_by_number_or_404(number)
    raw = request.form.get("mailbox", "")
    mailbox = db.session.get(Mailbox, int(raw)) if raw.isdigit() else None
    if mailbox is None or not may_see_mailbox(mailbox.id):
        flash(_("Choose a mailbox you have access to."), "error")
        return _back(conv)
    conversations.move(conv, mailbox, by=current_user)
    db.session.commit()
    flash(_("Moved to %(mailbox)s.", mailbox=mailbox.name), "success")
    return _back(conv)


@bp.post("/conversations/<int:number>/customer")
@login_required
def customer_name(number: int):
    conv = conversation_by_number_or_404(number)
    if conv.customer is None:
        flash(_("This conversation has no customer."), "error")
        return _back(conv)
    if not may_edit_customer(conv.customer):
        flash(_("This customer also writes to mailboxes you cannot see; ask an admin to change them."), "error")
        return _back(conv)
    name = request.form.get("name", "").strip()
    if len(name) > 200:
        flash(_("That name is too long."), "error")
        return _back(conv)
    conv.customer.name = name or None
    db.session.commit()
    flash(_("Customer updated."), "success")
    return _back(conv)


@bp.post("/conversations/<int:number>/customer/emails")
@login_required
def customer_email(number: int):
    """Only admins link an address to a customer: the address can sign in to the portal as them, and
    an agent could otherwise read the customer's conversations in mailboxes hidden from the agent.
    The refusal is one sentence whatever the reason, so it tells nothing about other customers."""
    conv = conversation_by_number_or_404(number)
    email = request.form.get("email", "").strip()
    if conv.customer is None or not is_address(email):
        flash(_("Enter a valid email address."), "error")
        return _back(conv)
    if not current_user.is_admin:
        flash(_("You cannot add this address to the customer; ask an admin."), "error")
        return _back(conv)
    try:
        add_email(conv.customer, email)
    except ValueError:
        flash(_("Could not add %(email)s: it belongs to another customer.", email=email.lower()), "error")
        return _back(conv)
    conversations.record_event(conv, "customer_email_added", by=current_user, email=email.lower())
    db.session.commit()
    flash(
        _("Added %(address)s to %(customer)s.", address=email.lower(), customer=conv.customer.display_name), "success"
    )
    return _back(conv)
