"""How the items of a conversation read on the page: event sentences, message bodies, collision
checks. Kept apart from the views so templates stay declarative."""
from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from markupsafe import Markup

from ...extensions import db
from ...models import Attachment, ThreadItem, User
from ...sanitize import format_text, plain_to_html

# what counts as "something new happened" for the collision warning (events do not)
NEWS_TYPES = ("customer", "reply", "forward", "note", "auto_reply")


def actor(item: ThreadItem) -> str:
    return item.author.name if item.author is not None else "System"


def describe_event(item: ThreadItem) -> str:
    ev = item.event or {}
    kind = ev.get("kind")
    who = actor(item)
    if kind == "status":
        return f"{who} changed the status to {ev.get('new')}" if item.author else f"Status changed to {ev.get('new')}"
    if kind == "assigned":
        if not ev.get("to"):
            return f"{who} unassigned this conversation"
        if item.author is not None and ev.get("to") == item.author_id:
            return f"{who} took this conversation"
        return f"{who} assigned this to {ev.get('to_name') or 'someone'}"
    if kind == "tagged":
        return f"{who} added the tag “{ev.get('tag')}”"
    if kind == "untagged":
        return f"{who} removed the tag “{ev.get('tag')}”"
    if kind == "snoozed":
        until = ev.get("until", "")
        try:
            until = datetime.fromisoformat(until).strftime("%b %-d, %H:%M UTC")
        except (TypeError, ValueError):
            pass
        return f"{who} snoozed this until {until}"
    if kind == "moved":
        return f"{who} moved this from {ev.get('old')} to {ev.get('new')}"
    if kind == "merged":
        return f"{who} merged #{ev.get('number')} ({ev.get('subject') or 'no subject'}) into this conversation"
    if kind:
        words = " ".join(f"{k}: {v}" for k, v in ev.items() if k != "kind" and isinstance(v, (str, int)))
        return f"{who}: {kind.replace('_', ' ')}" + (f" ({words})" if words else "")
    return f"{who} changed this conversation"


def agent_body(item: ThreadItem) -> Markup:
    """Our own items (replies, notes, forwards) are formatted from what the agent typed."""
    return Markup(format_text(item.new_text if item.new_text is not None else item.text))


def text_body(text: str | None) -> Markup:
    return Markup(plain_to_html(text or ""))


def uses_iframe(item: ThreadItem) -> bool:
    return bool(item.html) and item.type in ("customer", "auto_reply") and not item.parse_error


def visible_attachments(item: ThreadItem) -> list[Attachment]:
    """Inline images that the HTML shows are not listed again."""
    if not uses_iframe(item):
        return list(item.attachments)
    return [a for a in item.attachments if not (a.inline and a.content_id and a.content_id in (item.html or ""))]


def last_item_id(conversation_id: int) -> int:
    return db.session.execute(
        db.select(db.func.max(ThreadItem.id)).where(ThreadItem.conversation_id == conversation_id)).scalar() or 0


def news_since(conversation_id: int, after_id: int, user: User) -> list[ThreadItem]:
    """Messages, replies and notes others added after the agent loaded the page."""
    rows = db.session.execute(
        db.select(ThreadItem).where(ThreadItem.conversation_id == conversation_id, ThreadItem.id > after_id,
                                    ThreadItem.type.in_(NEWS_TYPES))
        .order_by(ThreadItem.id)).scalars()
    return [i for i in rows if i.author_id != user.id and i.send_status != "cancelled"]


def frame_info(item: ThreadItem) -> dict:
    """What the page needs to know about an HTML body before the iframe loads: whether remote
    images were held back, whether quoted history was folded, and a height to start from
    (the sandboxed frame cannot report its own height)."""
    html, fold = item.html or "", bool(item.quoted_text)
    # the cache keeps ordinary mails only, so a few huge newsletters cannot pin memory
    return _frame_info(html, fold) if len(html) < 100_000 else _frame_info.__wrapped__(html, fold)


@lru_cache(maxsize=512)  # stored mail does not change; a long thread re-renders without re-sanitising
def _frame_info(html: str, fold: bool) -> dict:
    import re

    from ...sanitize import clean_email_html

    result = clean_email_html(html, cid_url=lambda cid: "cid", strip_quotes=fold)
    html = result.html
    text = re.sub(r"<(?:br|/p|/tr|/li|/h\d|hr|/div)\b[^>]*>", "\n", html, flags=re.I)
    text = re.sub(r"<[^>]+>", "", text)
    parts = [len(part) for part in re.split(r"\n+", text.strip()) if part.strip()][:400]
    paragraphs = len(re.findall(r"<(?:p|tr|h\d)\b", html, re.I))
    images = len(re.findall(r"<img\b[^>]*\bsrc=", html, re.I))
    fixed = 16 + paragraphs * 10 + images * 140
    # a first guess for a ~700 px wide frame; conversation.js redoes it for the real width
    height = fixed + sum(n // 100 + 1 for n in parts) * 22
    return {"remote": result.remote_images, "folded": result.quotes_removed, "height": max(90, min(height, 1100)),
            "parts": parts, "fixed": fixed}
