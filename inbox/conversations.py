"""What agents (and the system) do to conversations: every change records a thread event and
fires its hook. Web views, the CLI, the portal and plugins all change conversations through here.
Callers commit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError

from . import access, webhooks
from .extensions import db
from .i18n import gettext as _
from .models import STATUSES, Conversation, Mailbox, Tag, ThreadItem, User, utcnow
from .plugin_host import host


def next_number() -> int:
    # unique constraint on number makes a racing duplicate fail loudly; callers retry
    return (db.session.execute(db.select(func.max(Conversation.number))).scalar() or 0) + 1


class Numbers:
    """The one way conversation numbers are handed out: the highest number + 1, then counting on
    locally, so a batch of new conversations costs one query. Numbers are unique in the database:
    a racing process that took one makes the insert fail (IntegrityError); the caller rolls back,
    calls forget() and tries again (the ingestor's batch retry, new_conversation's savepoint)."""

    def __init__(self) -> None:
        self._last: int | None = None

    def take(self) -> int:
        self._last = next_number() if self._last is None else self._last + 1
        return self._last

    def forget(self) -> None:
        """After a failed insert or a rollback: ask the database again."""
        self._last = None


def new_conversation(attempts: int = 5, **fields: Any) -> Conversation:
    """A Conversation with the next free number, inserted now (in a savepoint, so a clash with a
    racing process costs only this insert). The caller commits."""
    numbers = Numbers()
    for attempt in range(attempts):
        try:
            with db.session.begin_nested():
                conv = Conversation(number=numbers.take(), **fields)
                db.session.add(conv)
                db.session.flush()
            return conv
        except IntegrityError:
            numbers.forget()
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


def record_event(conv: Conversation, kind: str, by: User | None = None, **data: Any) -> ThreadItem:
    item = ThreadItem(
        conversation_id=conv.id,
        type="event",
        author_id=by.id if by else None,
        source="system" if by is None else "web",
        event={"kind": kind, **data},
    )
    db.session.add(item)
    return item


def set_status(conv: Conversation, status: str, by: User | None = None) -> bool:
    if status not in STATUSES:
        raise ValueError(
            _("unknown status “%(status)s”; choose one of %(choices)s", status=status, choices=", ".join(STATUSES))
        )
    old = conv.status
    if old == status:
        return False
    conv.status = status
    conv.closed_at = utcnow() if status == "closed" else None
    if status != "pending":
        conv.snoozed_until = None
    record_event(conv, "status", by, old=old, new=status)
    db.session.flush()
    host().call("status_changed", conversation=conv, old=old, new=status, user=by)
    return True


def assign(conv: Conversation, assignee: User | None, by: User | None = None) -> bool:
    if assignee is not None and not assignee.active:
        raise ValueError(f"{assignee.name} is not an active user")
    if assignee is not None and not access.may_see_mailbox(conv.mailbox_id, assignee):
        raise ValueError(
            _("%(name)s has no access to mailbox %(mailbox)s", name=assignee.name, mailbox=conv.mailbox.name)
        )
    if (assignee.id if assignee else None) == conv.assignee_id:
        return False
    conv.assignee_id = assignee.id if assignee else None
    conv.assignee = assignee
    record_event(
        conv, "assigned", by, to=assignee.id if assignee else None, to_name=assignee.name if assignee else None
    )
    db.session.flush()
    host().call("conversation_assigned", conversation=conv, assignee=assignee, user=by)
    return True


def tag_for(name: str) -> Tag:
    name = name.strip().lower()
    if not name:
        raise ValueError(_("a tag needs a name"))
    tag = db.session.execute(db.select(Tag).where(Tag.name == name)).scalar_one_or_none()
    if tag is None:
        tag = Tag(name=name)
        db.session.add(tag)
    return tag


def add_tag(conv: Conversation, name: str, by: User | None = None) -> bool:
    tag = tag_for(name)
    if tag in conv.tags:
        return False
    conv.tags.append(tag)
    record_event(conv, "tagged", by, tag=tag.name)
    webhooks.record("conversation.tags_changed", conv, added=[tag.name], removed=[])
    return True


def remove_tag(conv: Conversation, name: str, by: User | None = None) -> bool:
    for tag in list(conv.tags):
        if tag.name == name.strip().lower():
            conv.tags.remove(tag)
            record_event(conv, "untagged", by, tag=tag.name)
            webhooks.record("conversation.tags_changed", conv, added=[], removed=[tag.name])
            return True
    return False


def add_note(conv: Conversation, user: User, text: str, html: str | None = None) -> ThreadItem:
    if not text.strip():
        raise ValueError(_("a note cannot be empty"))
    item = ThreadItem(
        conversation_id=conv.id,
        type="note",
        author_id=user.id,
        source="web",
        from_name=user.name,
        from_email=user.email,
        text=text,
        html=html,
        new_text=text,
    )
    db.session.add(item)
    conv.last_activity_at = utcnow()
    db.session.flush()
    host().call("note_added", conversation=conv, item=item, user=user)
    return item


def snooze(conv: Conversation, until: datetime, by: User | None = None) -> None:
    conv.snoozed_until = until
    set_status(conv, "pending", by)
    record_event(conv, "snoozed", by, until=until.isoformat())


def move(conv: Conversation, mailbox: Mailbox, by: User | None = None) -> None:
    if conv.mailbox_id == mailbox.id:
        return
    old = conv.mailbox
    conv.mailbox_id, conv.mailbox = mailbox.id, mailbox
    record_event(conv, "moved", by, old=old.name, new=mailbox.name)
    webhooks.record("conversation.moved", conv, from_mailbox_id=old.id)


def merge(winner: Conversation, loser: Conversation, by: User | None = None) -> None:
    """Move every item of loser into winner; loser stays as a closed pointer so links still work."""
    if winner.id == loser.id:
        raise ValueError(_("cannot merge a conversation into itself"))
    if loser.merged_into_id:
        raise ValueError(_("a merged conversation cannot be merged again"))
    db.session.execute(
        db.update(ThreadItem).where(ThreadItem.conversation_id == loser.id).values(conversation_id=winner.id)
    )
    for tag in loser.tags:
        if tag not in winner.tags:
            winner.tags.append(tag)
    loser.merged_into_id = winner.id
    loser.status = "closed"
    loser.closed_at = utcnow()
    record_event(winner, "merged", by, number=loser.number, subject=loser.subject)
    winner.last_activity_at = max(winner.last_activity_at, loser.last_activity_at)
    if loser.last_customer_at and (not winner.last_customer_at or loser.last_customer_at > winner.last_customer_at):
        winner.last_customer_at = loser.last_customer_at
    db.session.flush()
    webhooks.record("conversation.merged", winner, merged_id=loser.id)
