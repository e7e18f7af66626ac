"""/api/v1 mailboxes, users and tags (read only): what a script needs to name them in other calls.
Mailboxes are the ones the token's user may see; people and tags are what the web's assign and tag
pickers show every agent."""

from __future__ import annotations

from sqlalchemy import select

from .. import access
from ..extensions import db
from ..models import Mailbox, Tag, User
from . import schemas as s
from .core import operation

READ = "conversations:read"


@operation("GET", "/mailboxes", summary="Mailboxes you can see", scope=READ, tag="Directory", response=s.MailboxList)
def list_mailboxes():
    rows = db.session.execute(access.visible(select(Mailbox), Mailbox.id).order_by(Mailbox.name)).scalars()
    return s.MailboxList(items=[s.mailbox_out(m) for m in rows])


@operation(
    "GET",
    "/mailboxes/<int:mailbox_id>",
    summary="Get a mailbox",
    scope=READ,
    tag="Directory",
    response=s.MailboxOut,
    errors=(404,),
)
def get_mailbox(mailbox_id: int):
    return s.mailbox_out(access.mailbox_or_404(mailbox_id))


@operation("GET", "/users", summary="The team", scope=READ, tag="Directory", response=s.UserList)
def list_users():
    rows = db.session.execute(select(User).order_by(User.name)).scalars()
    return s.UserList(items=[s.user_out(u) for u in rows])


@operation("GET", "/tags", summary="Tags", scope=READ, tag="Directory", response=s.TagList)
def list_tags():
    rows = db.session.execute(select(Tag).order_by(Tag.name)).scalars()
    return s.TagList(items=[s.tag_out(t) for t in rows])
