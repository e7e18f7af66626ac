"""The rows one imported message becomes, written per batch with Core multi-row INSERTs.

The ORM unit of work cost about as much per message as parsing it (object state, attribute
events, cascades for RawMessage/ThreadItem/MessageRef/Attachment). Conversations and customers
stay ORM objects (few, and the rules that update them are ORM code); the per-message rows are
plain dicts buffered here and inserted in order, the ids coming back through RETURNING.
Everything still happens inside the caller's transaction, so a batch stays all-or-nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import insert
from sqlalchemy.orm import make_transient_to_detached

from ...extensions import db
from ...models import Attachment, Conversation, MessageRef, RawMessage, ThreadItem

RAW = RawMessage.__table__
ITEM = ThreadItem.__table__
REF = MessageRef.__table__
ATTACHMENT = Attachment.__table__


@dataclass
class Pending:
    raw: dict
    item: dict | None = None
    conv: Conversation | None = None
    refs: list[tuple[str, bool]] = field(default_factory=list)  # (ref, own)
    attachments: list[dict] = field(default_factory=list)
    raw_id: int | None = None
    item_id: int | None = None


class RowBuffer:
    def __init__(self, mailbox_id: int):
        self.mailbox_id = mailbox_id
        self.pending: list[Pending] = []

    def add(self, entry: Pending) -> Pending:
        self.pending.append(entry)
        return entry

    def clear(self) -> None:
        self.pending = []

    def flush(self) -> None:
        """Insert what is buffered, in order. The ORM flush first: new conversations need ids."""
        pending, self.pending = self.pending, []
        db.session.flush()
        if not pending:
            return
        raw_ids = (
            db.session.execute(insert(RAW).returning(RAW.c.id, sort_by_parameter_order=True), [e.raw for e in pending])
            .scalars()
            .all()
        )
        with_items = []
        for e, raw_id in zip(pending, raw_ids):
            e.raw_id = raw_id
            if e.item is not None:
                e.item["raw_message_id"] = raw_id
                e.item["conversation_id"] = e.conv.id
                with_items.append(e)
        if not with_items:
            return
        item_ids = (
            db.session.execute(
                insert(ITEM).returning(ITEM.c.id, sort_by_parameter_order=True), [e.item for e in with_items]
            )
            .scalars()
            .all()
        )
        refs, attachments = [], []
        for e, item_id in zip(with_items, item_ids):
            e.item_id = item_id
            refs += [{"mailbox_id": self.mailbox_id, "item_id": item_id, "ref": ref, "own": own} for ref, own in e.refs]
            for a in e.attachments:
                a["item_id"] = item_id
                attachments.append(a)
        if refs:
            db.session.execute(insert(REF), refs)
        if attachments:
            db.session.execute(insert(ATTACHMENT), attachments)


def hook_item(e: Pending) -> ThreadItem:
    """A persistent ThreadItem for the hooks without a query: the columns plugins usually read are
    set, every other attribute is expired and loads (one SELECT) on first access."""
    row = e.item
    item = ThreadItem(
        id=e.item_id,
        conversation_id=row["conversation_id"],
        raw_message_id=e.raw_id,
        **{
            k: row[k]
            for k in (
                "type",
                "source",
                "customer_id",
                "author_id",
                "message_id",
                "in_reply_to",
                "from_name",
                "from_email",
                "subject",
                "date",
                "is_auto_reply",
                "is_bulk",
                "is_bounce",
                "created_at",
            )
        },
    )
    make_transient_to_detached(item)
    db.session.add(item)
    return item
