"""/api/v1/conversations and their thread items: the same services the agent pages use
(inbox.access for who sees what, inbox.listing and inbox.search for lists, inbox.conversations for
changes, the outbox for mail), so the API follows every rule the web UI does."""

from __future__ import annotations

import base64
import binascii

from flask_login import current_user
from sqlalchemy import func, select

from .. import access, conversations, listing
from .. import search as search_service
from ..extensions import db
from ..mail.outbound import outbox
from ..models import Conversation, Mailbox, ThreadItem, User, utcnow
from ..sanitize import format_text
from . import schemas as s
from .core import ApiError, decode_cursor, encode_cursor, next_link, operation
from .schemas import ProblemField

READ, WRITE = "conversations:read", "conversations:write"


def _me() -> User:
    return current_user._get_current_object()


def _conversation(conversation_id: int) -> Conversation:
    return access.conversation_or_404(conversation_id)  # another mailbox's conversation is a 404


def _invalid(field: str, message: str) -> ApiError:
    return ApiError(422, "Validation failed", message, [ProblemField(field=field, message=message)])


@operation(
    "GET",
    "/conversations",
    summary="List conversations",
    scope=READ,
    tag="Conversations",
    response=s.ConversationPage,
    query=s.ConversationQuery,
    errors=(404, 422),
)
def list_conversations(query: s.ConversationQuery):
    """Newest first by id, so the pages stay stable while new conversations arrive (they appear
    before the first page, never in the middle). Filters are the inbox's (folder, mailbox, status,
    assignee, tag); `q` is the search language of the inbox's search box."""
    if query.q and query.q.strip():
        return _search(query)
    if query.mailbox_id:
        access.mailbox_or_404(query.mailbox_id)
    view = listing.View(
        user=_me(),
        folder=query.folder,
        mailbox_id=query.mailbox_id,
        status=query.status,
        assignee=query.assignee,
        tag=query.tag,
    )
    base = listing.base_query(view)
    page = base
    after = decode_cursor(query.cursor, 1)
    if after:
        page = page.where(Conversation.id < after[0])
    rows = list(db.session.execute(page.order_by(Conversation.id.desc()).limit(query.limit + 1)).unique().scalars())
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    cursor = encode_cursor([rows[-1].id]) if more and rows else None
    total = None
    if query.count:
        total = db.session.execute(select(func.count()).select_from(base.order_by(None).subquery())).scalar_one()
    return s.ConversationPage(
        items=[s.conversation_out(c) for c in rows], next_cursor=cursor, next=next_link(cursor), count=total
    )


def _search(query: s.ConversationQuery):
    offset = (decode_cursor(query.cursor, 1) or [0])[0]
    parsed, found = search_service.search(query.q, _me(), limit=query.limit, offset=max(offset, 0))
    if parsed.errors:
        raise _invalid("query.q", "; ".join(parsed.errors))
    convs = [hit.conversation for hit in found.hits]
    cursor = encode_cursor([found.next_offset]) if found.next_offset else None
    total = None
    if query.count:
        _, everything = search_service.search(query.q, _me(), limit=100_000)
        total = len(everything.hits)
    return s.ConversationPage(
        items=[s.conversation_out(c) for c in convs], next_cursor=cursor, next=next_link(cursor), count=total
    )


@operation(
    "GET",
    "/conversations/<int:conversation_id>",
    summary="Get a conversation",
    scope=READ,
    tag="Conversations",
    response=s.ConversationOut,
    errors=(404,),
)
def get_conversation(conversation_id: int):
    return s.conversation_out(_conversation(conversation_id))


def _attachments(items: list[s.AttachmentIn]) -> list[tuple[str, str, bytes]]:
    out = []
    for i, att in enumerate(items):
        try:
            data = base64.b64decode(att.content_base64, validate=True)
        except (binascii.Error, ValueError):
            raise _invalid(f"body.attachments.{i}.content_base64", "not valid base64") from None
        out.append((att.filename, att.content_type, data))
    return out


@operation(
    "POST",
    "/conversations",
    summary="Start an outbound conversation",
    scope=WRITE,
    tag="Conversations",
    response=s.ConversationOut,
    status=201,
    body=s.ConversationIn,
    errors=(404, 422),
)
def create_conversation(body: s.ConversationIn):
    """Queues the first message through the outbox, like the web's New conversation form."""
    mailbox = access.mailbox_or_404(body.mailbox_id)
    try:
        conv = outbox.start_conversation(
            mailbox,
            _me(),
            body.to,
            body.subject,
            body.text,
            format_text(body.text),
            cc=body.cc,
            bcc=body.bcc,
            attachments=_attachments(body.attachments),
        )
    except ValueError as exc:
        db.session.rollback()
        raise _invalid("body", str(exc)) from None
    return s.conversation_out(conv)


@operation(
    "PUT",
    "/conversations/<int:conversation_id>/status",
    summary="Change the status",
    scope=WRITE,
    tag="Conversations",
    response=s.ConversationOut,
    body=s.StatusIn,
    errors=(404, 422),
)
def set_status(conversation_id: int, body: s.StatusIn):
    conv = _conversation(conversation_id)
    conversations.set_status(conv, body.status, by=_me())
    return s.conversation_out(conv)


@operation(
    "PUT",
    "/conversations/<int:conversation_id>/assignee",
    summary="Assign or unassign",
    scope=WRITE,
    tag="Conversations",
    response=s.ConversationOut,
    body=s.AssigneeIn,
    errors=(404, 422),
)
def set_assignee(conversation_id: int, body: s.AssigneeIn):
    conv = _conversation(conversation_id)
    assignee = None
    if body.assignee_id is not None:
        assignee = db.session.get(User, body.assignee_id)
        if assignee is None:
            raise _invalid("body.assignee_id", "no such user")
    try:
        conversations.assign(conv, assignee, by=_me())
    except ValueError as exc:
        db.session.rollback()
        raise _invalid("body.assignee_id", str(exc)) from None
    return s.conversation_out(conv)


@operation(
    "PATCH",
    "/conversations/<int:conversation_id>/tags",
    summary="Add and remove tags",
    scope=WRITE,
    tag="Conversations",
    response=s.ConversationOut,
    body=s.TagsIn,
    errors=(404, 422),
)
def change_tags(conversation_id: int, body: s.TagsIn):
    conv = _conversation(conversation_id)
    for name in body.add:
        conversations.add_tag(conv, name, by=_me())
    for name in body.remove:
        conversations.remove_tag(conv, name, by=_me())
    return s.conversation_out(conv)


@operation(
    "POST",
    "/conversations/<int:conversation_id>/snooze",
    summary="Snooze until a time",
    scope=WRITE,
    tag="Conversations",
    response=s.ConversationOut,
    body=s.SnoozeIn,
    errors=(404, 422),
)
def snooze(conversation_id: int, body: s.SnoozeIn):
    conv = _conversation(conversation_id)
    if body.until <= utcnow():  # as on the web: the worker's wake-up also snoozes into the past
        raise _invalid("body.until", "choose a time in the future to snooze until")
    conversations.snooze(conv, body.until, by=_me())
    return s.conversation_out(conv)


@operation(
    "POST",
    "/conversations/<int:conversation_id>/move",
    summary="Move to another mailbox",
    scope=WRITE,
    tag="Conversations",
    response=s.ConversationOut,
    body=s.MoveIn,
    errors=(404, 422),
)
def move(conversation_id: int, body: s.MoveIn):
    conv = _conversation(conversation_id)
    mailbox = db.session.get(Mailbox, body.mailbox_id)
    if mailbox is None or not access.may_see_mailbox(mailbox.id):
        raise _invalid("body.mailbox_id", "choose a mailbox you have access to")
    conversations.move(conv, mailbox, by=_me())
    return s.conversation_out(conv)


@operation(
    "POST",
    "/conversations/<int:conversation_id>/merge",
    summary="Merge another conversation into this one",
    scope=WRITE,
    tag="Conversations",
    response=s.ConversationOut,
    body=s.MergeIn,
    errors=(404, 422),
)
def merge(conversation_id: int, body: s.MergeIn):
    conv = _conversation(conversation_id)
    other = db.session.get(Conversation, body.from_id)
    if not access.may_see_conversation(other):
        raise _invalid("body.from_id", "no conversation with this id that you can merge")
    try:
        conversations.merge(conv, other, by=_me())
    except ValueError as exc:
        db.session.rollback()
        raise _invalid("body.from_id", str(exc)) from None
    return s.conversation_out(conv)


# --- thread items ---------------------------------------------------------------------------------


@operation(
    "GET",
    "/conversations/<int:conversation_id>/items",
    summary="List a conversation's thread items",
    scope=READ,
    tag="Thread items",
    response=s.ItemPage,
    query=s.PageQuery,
    errors=(404, 422),
)
def list_items(conversation_id: int, query: s.PageQuery):
    """Oldest first by id: new items only ever join the end."""
    conv = _conversation(conversation_id)
    base = select(ThreadItem).where(ThreadItem.conversation_id == conv.id)
    after = decode_cursor(query.cursor, 1)
    page = base.where(ThreadItem.id > after[0]) if after else base
    rows = list(db.session.execute(page.order_by(ThreadItem.id).limit(query.limit + 1)).unique().scalars())
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    author_ids = {r.author_id for r in rows if r.author_id}
    authors = (
        {u.id: u for u in db.session.execute(select(User).where(User.id.in_(author_ids))).scalars()}
        if author_ids
        else {}
    )
    cursor = encode_cursor([rows[-1].id]) if more and rows else None
    total = None
    if query.count:
        total = db.session.execute(select(func.count()).select_from(base.subquery())).scalar_one()
    return s.ItemPage(
        items=[s.item_out(r, authors) for r in rows], next_cursor=cursor, next=next_link(cursor), count=total
    )


def _one_item(item: ThreadItem) -> s.ItemOut:
    authors = {item.author_id: db.session.get(User, item.author_id)} if item.author_id else {}
    return s.item_out(item, authors)


@operation(
    "POST",
    "/conversations/<int:conversation_id>/items",
    summary="Add a reply or a note",
    scope=WRITE,
    tag="Thread items",
    response=s.ItemOut,
    status=201,
    body=s.ReplyIn,
    errors=(404, 422),
)
def add_item(conversation_id: int, body: s.ReplyIn):
    """A reply is queued through the outbox (sent after the undo window by the worker); a note is
    internal. Attachments are base64 in the body."""
    conv = _conversation(conversation_id)
    try:
        if body.type == "note":
            if body.attachments or body.to or body.cc or body.bcc or body.status_after:
                raise ValueError("a note takes only text")
            item = conversations.add_note(conv, _me(), body.text, format_text(body.text))
        else:
            item = outbox.queue_reply(
                conv,
                _me(),
                body.text,
                format_text(body.text),
                to=body.to,
                cc=body.cc,
                bcc=body.bcc,
                attachments=_attachments(body.attachments),
                status_after=body.status_after,
            )
    except ValueError as exc:
        db.session.rollback()
        raise _invalid("body", str(exc)) from None
    item.source = "api"
    return _one_item(item)


@operation(
    "POST",
    "/conversations/<int:conversation_id>/forward",
    summary="Forward the conversation or one item",
    scope=WRITE,
    tag="Thread items",
    response=s.ItemOut,
    status=201,
    body=s.ForwardIn,
    errors=(404, 422),
)
def forward(conversation_id: int, body: s.ForwardIn):
    conv = _conversation(conversation_id)
    item = None
    if body.item_id is not None:
        item = db.session.get(ThreadItem, body.item_id)
        if item is None or item.conversation_id != conv.id or item.type == "note":
            raise _invalid("body.item_id", "no message with this id in this conversation")
    try:
        fwd = outbox.queue_forward(conv, _me(), body.to, body.text, item=item)
    except ValueError as exc:
        db.session.rollback()
        raise _invalid("body", str(exc)) from None
    fwd.source = "api"
    return _one_item(fwd)
