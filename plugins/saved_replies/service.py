"""Who may see and change which saved reply, and the operations on them. Views and the CLI call
these; callers commit.

Visibility: global replies are seen by every agent, mailbox replies by agents of that mailbox
(admins see every mailbox), personal replies only by their owner (admins included: personal means
personal). Changing: global ones only by admins; mailbox ones by anyone who sees that mailbox;
personal ones by their owner.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, false, func, or_

from inbox import access
from inbox.extensions import db
from inbox.models import Mailbox, User, utcnow

from .i18n import _
from .models import FORMATS, SCOPES, SavedReply, SavedReplyAttachment

MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024


class ReplyError(ValueError):
    """A request that cannot be carried out; the message is shown to the agent."""


def visible_filter(user: User, mailbox_id: int | None = None):
    """A WHERE clause for the replies user may see; with mailbox_id, only those useful there."""
    mine = and_(SavedReply.scope == "personal", SavedReply.owner_id == user.id)
    if mailbox_id is not None:
        allowed = access.may_see_mailbox(mailbox_id, user)
        in_mailbox = and_(SavedReply.scope == "mailbox", SavedReply.mailbox_id == mailbox_id) if allowed else false()
    else:
        in_mailbox = and_(SavedReply.scope == "mailbox", access.mailbox_clause(SavedReply.mailbox_id, user))
    return or_(SavedReply.scope == "global", in_mailbox, mine)


def can_see(user: User, reply: SavedReply) -> bool:
    if reply.scope == "global":
        return True
    if reply.scope == "mailbox":
        return access.may_see_mailbox(reply.mailbox_id, user)
    return reply.owner_id == user.id


def can_edit(user: User, reply: SavedReply) -> bool:
    if reply.scope == "global":
        return user.is_admin
    return can_see(user, reply)


def may_create(user: User, scope: str, mailbox_id: int | None) -> bool:
    if scope == "global":
        return user.is_admin
    if scope == "mailbox":
        return access.may_see_mailbox(mailbox_id, user)
    return scope == "personal"


def get_visible(user: User, reply_id: int) -> SavedReply | None:
    reply = db.session.get(SavedReply, reply_id)
    return reply if reply is not None and can_see(user, reply) else None


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search(
    user: User, query: str = "", mailbox_id: int | None = None, folder: str | None = None, limit: int = 50
) -> list[SavedReply]:
    """Visible replies matching every word of query in title, folder or body; most used first."""
    stmt = db.select(SavedReply).where(visible_filter(user, mailbox_id))
    for word in (query or "").split()[:8]:
        like = f"%{_escape_like(word.lower())}%"
        stmt = stmt.where(
            or_(
                func.lower(SavedReply.title).like(like, escape="\\"),
                func.lower(SavedReply.body).like(like, escape="\\"),
                func.lower(SavedReply.folder).like(like, escape="\\"),
            )
        )
    if folder is not None:
        stmt = stmt.where(SavedReply.folder == folder)
    title_hit = 0
    if query.strip():
        # a title match beats a body match; then the most used, then the most recently used
        title_hit = func.lower(SavedReply.title).like(f"%{_escape_like(query.strip().lower())}%", escape="\\")
        stmt = stmt.order_by(title_hit.desc())
    stmt = stmt.order_by(SavedReply.usage_count.desc(), SavedReply.last_used_at.desc().nulls_last(), SavedReply.title)
    return list(db.session.execute(stmt.limit(limit)).scalars())


def folders(user: User) -> list[str]:
    stmt = db.select(SavedReply.folder).where(visible_filter(user)).distinct().order_by(SavedReply.folder)
    return [f for f in db.session.execute(stmt).scalars() if f]


@dataclass
class ReplyData:
    title: str
    body: str
    body_format: str = "markdown"
    scope: str = "personal"
    mailbox_id: int | None = None
    folder: str = ""


def _validate(user: User, data: ReplyData) -> ReplyData:
    from inbox.templating import check

    title = (data.title or "").strip()
    if not title:
        raise ReplyError(_("A saved reply needs a title."))
    if data.scope not in SCOPES:
        raise ReplyError(_("Unknown scope %(scope)s.", scope=repr(data.scope)))
    if data.body_format not in FORMATS:
        raise ReplyError(_("Unknown format %(format)s.", format=repr(data.body_format)))
    mailbox_id = data.mailbox_id if data.scope == "mailbox" else None
    if data.scope == "mailbox" and (mailbox_id is None or db.session.get(Mailbox, mailbox_id) is None):
        raise ReplyError(_("Choose the mailbox this reply belongs to."))
    if not may_create(user, data.scope, mailbox_id):
        raise ReplyError(
            _("You may not keep replies there.")
            if data.scope != "global"
            else _("Only administrators manage global replies.")
        )
    problem = check(data.body, data.body_format)  # also refuses bodies over the rendering bounds
    if problem:
        raise ReplyError(_("The body has a %(problem)s", problem=problem))
    return ReplyData(
        title=title[:200],
        body=data.body or "",
        body_format=data.body_format,
        scope=data.scope,
        mailbox_id=mailbox_id,
        folder=(data.folder or "").strip().strip("/")[:120],
    )


def create(user: User, data: ReplyData) -> SavedReply:
    data = _validate(user, data)
    reply = SavedReply(
        title=data.title,
        body=data.body,
        body_format=data.body_format,
        scope=data.scope,
        mailbox_id=data.mailbox_id,
        folder=data.folder,
        created_by_id=user.id,
        owner_id=user.id if data.scope == "personal" else None,
    )
    db.session.add(reply)
    db.session.flush()
    return reply


def update(user: User, reply: SavedReply, data: ReplyData) -> SavedReply:
    if not can_edit(user, reply):
        raise ReplyError(_("You may not change this reply."))
    data = _validate(user, data)
    reply.title, reply.body, reply.body_format = data.title, data.body, data.body_format
    reply.folder, reply.scope, reply.mailbox_id = data.folder, data.scope, data.mailbox_id
    if data.scope == "personal":
        reply.owner_id = reply.owner_id if reply.owner_id else user.id
    else:
        reply.owner_id = None
    db.session.flush()
    return reply


def duplicate(user: User, reply: SavedReply) -> SavedReply:
    """A copy the user may edit: same scope when allowed, otherwise a personal one."""
    if not can_see(user, reply):
        raise ReplyError(_("No such reply."))
    scope, mailbox_id = reply.scope, reply.mailbox_id
    if not may_create(user, scope, mailbox_id):
        scope, mailbox_id = "personal", None
    copy = create(
        user,
        ReplyData(
            title=f"{reply.title} (copy)"[:200],
            body=reply.body,
            body_format=reply.body_format,
            scope=scope,
            mailbox_id=mailbox_id,
            folder=reply.folder,
        ),
    )
    for att in reply.attachments:
        copy.attachments.append(
            SavedReplyAttachment(filename=att.filename, content_type=att.content_type, size=att.size, sha256=att.sha256)
        )
    db.session.flush()
    return copy


def delete(user: User, reply: SavedReply) -> None:
    if not can_edit(user, reply):
        raise ReplyError(_("You may not delete this reply."))
    db.session.delete(reply)
    db.session.flush()


def add_attachment(
    user: User, reply: SavedReply, filename: str, content_type: str | None, data: bytes
) -> SavedReplyAttachment:
    from inbox import storage

    if not can_edit(user, reply):
        raise ReplyError(_("You may not change this reply."))
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise ReplyError(_("That file is too large."))
    name = (filename or "attachment").replace("/", "_").replace("\\", "_")[:500]
    att = SavedReplyAttachment(
        filename=name,
        content_type=content_type or "application/octet-stream",
        size=len(data),
        sha256=storage.store(data),
    )
    reply.attachments.append(att)
    db.session.flush()
    return att


def record_use(user: User, reply: SavedReply) -> None:
    if not can_see(user, reply):
        raise ReplyError(_("No such reply."))
    db.session.execute(
        db.update(SavedReply)
        .where(SavedReply.id == reply.id)
        .values(usage_count=SavedReply.usage_count + 1, last_used_at=utcnow(), updated_at=SavedReply.updated_at)
    )
