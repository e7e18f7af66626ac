"""Which conversation an incoming message belongs to.

In order of trust: a Message-ID it names (In-Reply-To, References) that we already hold in this
mailbox; a stored message that names *it* (replies arriving before their original); our signed
token in one of the ids it names (clients that drop In-Reply-To); the conversation number in the
subject. Never the subject text alone: "Invoice" from two customers is two conversations.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable

from sqlalchemy import select

from ...extensions import db
from ...models import Conversation, CustomerEmail, MessageRef, ThreadItem, subject_number_format
from ..parse import ParsedMessage
from ..tokens import conversation_id_from

_MESSAGE_TYPES = ("customer", "reply", "forward", "auto_reply")
_LOOKUP_CHUNK = 400  # ids per IN (...) query, well under SQLite's variable limit


@dataclass
class Match:
    conversation: int | Conversation | None  # None with how="number_refused"
    how: str  # "refs", "referenced_by", "token", "subject_number", "number_refused"
    number: int | None = None  # for "number_refused": the conversation number the subject named


@dataclass
class ThreadIndex:
    """ref -> conversation ids for one mailbox, loaded per batch and updated as items are added.

    Loading all ids a batch mentions in one query (instead of one per message) is what keeps a
    large history import fast.
    """

    mailbox_id: int
    own: dict[str, int | Conversation] = field(default_factory=dict)  # an item's own Message-ID -> conversation
    mentioned: dict[str, int | Conversation] = field(default_factory=dict)  # an id some item refers to -> conv
    numbers: dict[int, Conversation] = field(default_factory=dict)  # conversations created in this batch
    loaded: set[str] = field(default_factory=set)

    def prefetch(self, ids: set[str]) -> None:
        wanted = [i for i in ids if i and i not in self.loaded]
        for start in range(0, len(wanted), _LOOKUP_CHUNK):
            chunk = wanted[start : start + _LOOKUP_CHUNK]
            rows = db.session.execute(
                select(MessageRef.ref, MessageRef.own, ThreadItem.conversation_id)
                .join(ThreadItem, ThreadItem.id == MessageRef.item_id)
                .where(MessageRef.mailbox_id == self.mailbox_id, MessageRef.ref.in_(chunk))
                .order_by(MessageRef.id)
            ).all()
            for ref, own, conv_id in rows:  # later rows win: the newest conversation for an id
                (self.own if own else self.mentioned)[ref] = conv_id
            self.loaded.update(chunk)

    def add(self, conversation: int | Conversation, own_id: str | None, refs: list[str]) -> None:
        if own_id:
            self.own[own_id] = conversation
        for ref in refs:
            self.mentioned[ref] = conversation


@lru_cache(maxsize=8)
def _number_pattern(fmt: str) -> re.Pattern[str]:
    return re.compile(re.escape(fmt).replace(re.escape("{number}"), r"(\d{1,12})"))


def subject_number(subject: str) -> int | None:
    m = _number_pattern(subject_number_format()).search(subject or "")
    return int(m.group(1)) if m else None


def find(
    parsed: ParsedMessage,
    mailbox_id: int,
    index: ThreadIndex,
    participant: Callable[[int | Conversation, str], bool] | None = None,
) -> Match | None:
    """The conversation this message joins, or None for a new one. A subject number counts only
    when ``participant(conversation, sender)`` says the sender already takes part (anyone can type
    "Re: [#3]"; conversation numbers are sequential); otherwise the Match says which number was
    refused, with no conversation."""
    refs = parsed.all_refs
    index.prefetch({*refs, parsed.message_id or ""})
    # the direct parent first (In-Reply-To), then References from the newest back
    ordered = [*parsed.in_reply_to, *reversed(parsed.references)]
    for ref in ordered:
        if ref in index.own:
            return Match(index.own[ref], "refs")
    for ref in ordered:  # a sibling: another stored message answers the same original
        if ref in index.mentioned:
            return Match(index.mentioned[ref], "refs")
    if parsed.message_id:
        if parsed.message_id in index.mentioned:
            return Match(index.mentioned[parsed.message_id], "referenced_by")
        if parsed.message_id in index.own:  # the same id stored before (e.g. a copy with other content)
            return Match(index.own[parsed.message_id], "refs")
    for ref in ordered:
        conv_id = conversation_id_from(ref)
        if conv_id is not None and _in_mailbox(conv_id, mailbox_id):
            return Match(conv_id, "token")
    number = subject_number(parsed.subject)
    if number is None:
        return None
    conv: int | Conversation | None = index.numbers.get(number)
    if conv is None:
        conv = db.session.execute(
            select(Conversation.id).where(Conversation.number == number, Conversation.mailbox_id == mailbox_id)
        ).scalar_one_or_none()
    if conv is None:
        return None
    sender = (parsed.from_email or "").lower()
    if participant is None or (sender and participant(conv, sender)):
        return Match(conv, "subject_number")
    return Match(None, "number_refused", number)


def is_participant(conversation_id: int, email: str) -> bool:
    """Whether the address already takes part in the conversation: one of its customer's addresses,
    or the From, To or Cc of one of its messages."""
    email = email.lower()
    if db.session.execute(
        select(CustomerEmail.id)
        .join(Conversation, Conversation.customer_id == CustomerEmail.customer_id)
        .where(Conversation.id == conversation_id, CustomerEmail.email == email)
    ).first():
        return True
    rows = db.session.execute(
        select(ThreadItem.from_email, ThreadItem.to, ThreadItem.cc).where(
            ThreadItem.conversation_id == conversation_id, ThreadItem.type.in_(_MESSAGE_TYPES)
        )
    )
    for from_email, to, cc in rows:
        if (from_email or "").lower() == email:
            return True
        if any(isinstance(a, dict) and (a.get("email") or "").lower() == email for a in [*(to or []), *(cc or [])]):
            return True
    return False


def _in_mailbox(conversation_id: int, mailbox_id: int) -> bool:
    return (
        db.session.execute(
            select(Conversation.id).where(Conversation.id == conversation_id, Conversation.mailbox_id == mailbox_id)
        ).scalar_one_or_none()
        is not None
    )


def follow_merges(conv: Conversation) -> Conversation:
    seen = set()
    while conv.merged_into_id and conv.id not in seen:
        seen.add(conv.id)
        conv = db.session.get(Conversation, conv.merged_into_id)
    return conv
