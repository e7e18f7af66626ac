"""Which published articles answer this conversation? BM25 over the customer's latest words."""

from __future__ import annotations

import re
from collections import Counter

from inbox.extensions import db
from inbox.models import ThreadItem

from . import search

MAX_TERMS = 16


def query_for(subject: str, text: str) -> str:
    """The informative words of subject and message: subject words count double, quoted history and
    signatures are already gone (new_text), repeated words count once per occurrence up to 3."""
    counts: Counter[str] = Counter()
    for word in search.terms(subject or ""):
        counts[word] += 2
    for word in search.terms(text or "")[:400]:
        counts[word] += 1
    ranked = [w for w, _ in counts.most_common() if not re.fullmatch(r"\d+", w)]
    return " ".join(ranked[:MAX_TERMS])


def latest_customer_item(conversation) -> ThreadItem | None:
    return db.session.execute(
        db.select(ThreadItem)
        .where(ThreadItem.conversation_id == conversation.id, ThreadItem.type == "customer")
        .order_by(ThreadItem.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def for_text(subject: str, text: str, limit: int = 3) -> list[search.Hit]:
    return search.search(query_for(subject, text), limit=limit, any_term=True)


def for_conversation(conversation, item: ThreadItem | None = None, limit: int = 3) -> list[search.Hit]:
    item = item or latest_customer_item(conversation)
    text = (item.new_text or item.text) if item is not None else ""
    return for_text(conversation.subject or "", text, limit)
