"""The conversation list behind the inbox page and its live updates: what each folder holds,
folder counts in one grouped query, and keyset pages on (last_activity_at, id) or number.

Every query starts from access.visible(), so an agent only ever counts and lists the mailboxes
they were granted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import and_, func, or_, select

from .access import visible
from .extensions import db
from .i18n import lazy_gettext, lazy_pgettext
from .models import Conversation, Draft, Tag, User, conversation_tag

# (key, label, shows a count)
FOLDERS = [
    ("unassigned", lazy_pgettext("folder", "Unassigned"), True),
    ("mine", lazy_pgettext("folder", "Mine"), True),
    ("assigned", lazy_pgettext("folder", "Assigned"), True),
    ("pending", lazy_pgettext("folder", "Pending"), True),
    ("drafts", lazy_pgettext("folder", "Drafts"), True),
    ("closed", lazy_pgettext("folder", "Closed"), False),
    ("spam", lazy_pgettext("folder", "Spam"), True),
    ("automated", lazy_gettext("Bounces & auto-replies"), False),
    ("all", lazy_pgettext("folder", "All"), False),
]
FOLDER_KEYS = [key for key, _label, _count in FOLDERS]
SORTS = {
    "newest": lazy_gettext("Newest activity"),
    "oldest": lazy_gettext("Oldest activity"),
    "number": lazy_gettext("Number"),
}
PAGE_SIZE = 50


@dataclass
class View:
    """Everything that decides which rows a list shows; built from the query string."""

    user: User
    folder: str = "unassigned"
    mailbox_id: int | None = None
    sort: str = "newest"
    status: str | None = None
    assignee: str | None = None  # "me", "none", or a user id
    tag: str | None = None
    after: str | None = None  # keyset cursor

    def params(self, **override) -> dict:
        out = {
            "folder": self.folder,
            "mailbox": self.mailbox_id,
            "sort": self.sort,
            "status": self.status,
            "assignee": self.assignee,
            "tag": self.tag,
        }
        out.update(override)
        return {k: v for k, v in out.items() if v not in (None, "")}


def folder_condition(folder: str, user: User):
    active = Conversation.status == "active"
    return {
        "unassigned": and_(active, Conversation.assignee_id.is_(None)),
        "mine": and_(active, Conversation.assignee_id == user.id),
        "assigned": and_(active, Conversation.assignee_id.is_not(None)),
        "pending": Conversation.status == "pending",
        "closed": Conversation.status == "closed",
        "spam": Conversation.status == "spam",
        "automated": and_(Conversation.automated.is_(True), Conversation.status != "spam"),
        "all": Conversation.status != "spam",
        "drafts": Conversation.id.in_(
            select(Draft.conversation_id).where(Draft.user_id == user.id, Draft.conversation_id.is_not(None))
        ),
    }[folder]


def base_query(view: View):
    query = visible(select(Conversation), user=view.user).where(
        folder_condition(view.folder, view.user), Conversation.merged_into_id.is_(None)
    )
    if view.mailbox_id:
        query = query.where(Conversation.mailbox_id == view.mailbox_id)
    if view.status:
        query = query.where(Conversation.status == view.status)
    if view.assignee == "me":
        query = query.where(Conversation.assignee_id == view.user.id)
    elif view.assignee == "none":
        query = query.where(Conversation.assignee_id.is_(None))
    elif view.assignee and view.assignee.isdigit():
        query = query.where(Conversation.assignee_id == int(view.assignee))
    if view.tag:
        query = query.where(
            Conversation.id.in_(
                select(conversation_tag.c.conversation_id)
                .join(Tag, Tag.id == conversation_tag.c.tag_id)
                .where(Tag.name == view.tag.strip().lower())
            )
        )
    return query


def _parse_cursor(raw: str) -> tuple[datetime, int] | int | None:
    try:
        if "_" in raw:
            stamp, ident = raw.rsplit("_", 1)
            return datetime.fromisoformat(stamp).replace(tzinfo=None), int(ident)
        return int(raw)
    except (TypeError, ValueError):
        return None


def _naive(value: datetime) -> datetime:
    return value.astimezone(timezone.utc).replace(tzinfo=None) if value.tzinfo else value


def cursor_for(conv: Conversation, sort: str) -> str:
    if sort == "number":
        return str(conv.number)
    return f"{_naive(conv.last_activity_at).isoformat()}_{conv.id}"


def page(view: View, limit: int = PAGE_SIZE) -> tuple[list[Conversation], str | None]:
    """One page of rows and the cursor for the next one (None at the end)."""
    query = base_query(view)
    cursor = _parse_cursor(view.after) if view.after else None
    ts, cid = Conversation.last_activity_at, Conversation.id
    if view.sort == "number":
        if isinstance(cursor, int):
            query = query.where(Conversation.number < cursor)
        query = query.order_by(Conversation.number.desc())
    elif view.sort == "oldest":
        if isinstance(cursor, tuple):
            query = query.where(or_(ts > cursor[0], and_(ts == cursor[0], cid > cursor[1])))
        query = query.order_by(ts.asc(), cid.asc())
    else:
        if isinstance(cursor, tuple):
            query = query.where(or_(ts < cursor[0], and_(ts == cursor[0], cid < cursor[1])))
        query = query.order_by(ts.desc(), cid.desc())
    rows = list(db.session.execute(query.limit(limit + 1)).unique().scalars())
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (cursor_for(rows[-1], view.sort) if more and rows else None)


def newer_than(view: View, since: datetime, limit: int = PAGE_SIZE) -> list[Conversation]:
    """Rows of this view with activity after `since`, newest first: what the live poll prepends."""
    query = base_query(view).where(Conversation.last_activity_at > _naive(since))
    query = query.order_by(Conversation.last_activity_at.desc(), Conversation.id.desc()).limit(limit)
    return list(db.session.execute(query).unique().scalars())


def counts(user: User) -> dict[int, dict[str, int]]:
    """{mailbox_id: {folder: n}} for the counted folders: one grouped, index-only query (rows per
    status, mailbox and assignee, summed here) plus one for drafts."""
    query = (
        visible(
            select(Conversation.status, Conversation.mailbox_id, Conversation.assignee_id, func.count()),
            user=user,
        )
        .where(Conversation.status.in_(("active", "pending", "spam")), Conversation.merged_into_id.is_(None))
        .group_by(Conversation.status, Conversation.mailbox_id, Conversation.assignee_id)
    )
    out: dict[int, dict[str, int]] = {}
    for status, mailbox_id, assignee_id, total in db.session.execute(query):
        box = out.setdefault(mailbox_id, {key: 0 for key in FOLDER_KEYS})
        if status == "active":
            box["unassigned" if assignee_id is None else "assigned"] += total
            if assignee_id == user.id:
                box["mine"] += total
        else:
            box[status] += total
    drafts = visible(
        select(Conversation.mailbox_id, func.count(func.distinct(Draft.conversation_id)))
        .join(Draft, Draft.conversation_id == Conversation.id)
        .where(Draft.user_id == user.id),
        user=user,
    ).group_by(Conversation.mailbox_id)
    for mailbox_id, total in db.session.execute(drafts):
        out.setdefault(mailbox_id, {key: 0 for key in FOLDER_KEYS})["drafts"] = total
    return out


def totals(per_mailbox: dict[int, dict[str, int]]) -> dict[str, int]:
    total = {key: 0 for key in FOLDER_KEYS}
    for box in per_mailbox.values():
        for key, value in box.items():
            total[key] += value
    return total
