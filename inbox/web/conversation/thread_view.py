"""How the items of a conversation read on the page: event sentences, message bodies, collision
checks. Kept apart from the views so templates stay declarative."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from flask import current_app
from markupsafe import Markup

from ...extensions import db
from ...i18n import gettext as _
from ...i18n.formatting import format_datetime
from ...i18n.labels import status_label
from ...models import Attachment, ThreadItem, User
from ...sanitize import format_text, plain_to_html

# what counts as "something new happened" for the collision warning (events do not)
NEWS_TYPES = ("customer", "reply", "forward", "note", "auto_reply")


def actor(item: ThreadItem) -> str:
    return item.author.name if item.author is not None else _("System")


def describe_event(item: ThreadItem) -> str:
    ev = item.event or {}
    kind = ev.get("kind")
    who = actor(item)
    if kind == "status":
        status = status_label(ev.get("new") or "")
        return (
            _("%(who)s changed the status to %(status)s", who=who, status=status)
            if item.author
            else _("Status changed to %(status)s", status=status)
        )
    if kind == "assigned":
        if not ev.get("to"):
            return _("%(who)s unassigned this conversation", who=who)
        if item.author is not None and ev.get("to") == item.author_id:
            return _("%(who)s took this conversation", who=who)
        if ev.get("to_name"):
            return _("%(who)s assigned this to %(name)s", who=who, name=ev["to_name"])
        return _("%(who)s assigned this to someone", who=who)
    if kind == "tagged":
        return _("%(who)s added the tag “%(tag)s”", who=who, tag=ev.get("tag"))
    if kind == "untagged":
        return _("%(who)s removed the tag “%(tag)s”", who=who, tag=ev.get("tag"))
    if kind == "snoozed":
        until = ev.get("until", "")
        try:
            until = format_datetime(datetime.fromisoformat(until))  # the viewer's zone
        except (TypeError, ValueError):
            pass
        return _("%(who)s snoozed this until %(time)s", who=who, time=until)
    if kind == "moved":
        return _("%(who)s moved this from %(old)s to %(new)s", who=who, old=ev.get("old"), new=ev.get("new"))
    if kind == "merged":
        return _(
            "%(who)s merged #%(number)s (%(subject)s) into this conversation",
            who=who,
            number=ev.get("number"),
            subject=ev.get("subject") or _("no subject"),
        )
    if kind == "number_refused":
        return _(
            "This message named #%(number)s in its subject, but %(sender)s does not take part in "
            "#%(number)s, so it started a new conversation.",
            number=ev.get("number"),
            sender=ev.get("sender") or _("its sender"),
        )
    if kind == "customer_email_added":
        return _("%(who)s added %(email)s to the customer's addresses", who=who, email=ev.get("email"))
    if kind:
        words = " ".join(f"{k}: {v}" for k, v in ev.items() if k != "kind" and isinstance(v, (str, int)))
        # a plugin's own event kind: shown as recorded (its words are the plugin's)
        return f"{who}: {kind.replace('_', ' ')}" + (f" ({words})" if words else "")
    return _("%(who)s changed this conversation", who=who)


def agent_body(item: ThreadItem) -> Markup:
    """Our own items (replies, notes, forwards) are formatted from what the agent typed."""
    return Markup(format_text(item.new_text if item.new_text is not None else item.text))


def text_body(text: str | None) -> Markup:
    return Markup(plain_to_html(text or ""))


def uses_iframe(item: ThreadItem) -> bool:
    return (
        bool(item.html)
        and item.type in ("customer", "auto_reply")
        and not item.parse_error
        and item.html_limit != "too_large"
    )


def prepared_html(item: ThreadItem) -> str:
    """The body as sanitised at import (inbox.sanitize.prepare_email_html). Rows imported before
    migration 0009 are prepared on their first view and the result kept, so it happens once."""
    if item.html_clean is None and item.html:
        from ...sanitize import prepare_email_html

        cleaned, truncated = prepare_email_html(item.html, int(current_app.config.get("MAX_HTML_CHARS") or 1_500_000))
        item.remember(html_clean=cleaned, html_limit="truncated" if truncated else item.html_limit)
    return item.html_clean or ""


def html_limit_note(item: ThreadItem) -> str | None:
    """Why an HTML body is not shown in full, for the line above it."""
    if item.html_limit == "too_large":
        limit = int(current_app.config.get("MAX_MESSAGE_BYTES") or 0) // (1024 * 1024)
        return _("This message is larger than %(mb)s MB, so it is shown as plain text.", mb=limit)
    if item.html_limit == "truncated":
        return _("This message is too long to show in full; the end is cut off here.")
    return None


def visible_attachments(item: ThreadItem) -> list[Attachment]:
    """Inline images that the HTML shows are not listed again."""
    if not uses_iframe(item):
        return list(item.attachments)
    return [a for a in item.attachments if not (a.inline and a.content_id and a.content_id in (item.html or ""))]


def last_item_id(conversation_id: int) -> int:
    return (
        db.session.execute(
            db.select(db.func.max(ThreadItem.id)).where(ThreadItem.conversation_id == conversation_id)
        ).scalar()
        or 0
    )


def news_since(conversation_id: int, after_id: int, user: User) -> list[ThreadItem]:
    """Messages, replies and notes others added after the agent loaded the page."""
    rows = db.session.execute(
        db.select(ThreadItem)
        .where(ThreadItem.conversation_id == conversation_id, ThreadItem.id > after_id, ThreadItem.type.in_(NEWS_TYPES))
        .order_by(ThreadItem.id)
    ).scalars()
    return [i for i in rows if i.author_id != user.id and i.send_status != "cancelled"]


def frame_info(item: ThreadItem) -> dict:
    """What the page needs to know about an HTML body before the iframe loads: whether remote
    images were held back, whether quoted history was folded, and a height to start from
    (the sandboxed frame cannot report its own height)."""
    html, fold = prepared_html(item), bool(item.quoted_text)
    # the cache keeps ordinary mails only, so a few huge newsletters cannot pin memory
    return _frame_info(html, fold) if len(html) < 100_000 else _frame_info.__wrapped__(html, fold)


@lru_cache(maxsize=512)  # stored mail does not change; a long thread re-renders without redoing this
def _frame_info(html: str, fold: bool) -> dict:
    import re

    from ...sanitize import finish_email_html

    result = finish_email_html(html, cid_url=lambda cid: "cid", strip_quotes=fold)
    html = result.html
    text = re.sub(r"<(?:br|/p|/tr|/li|/h\d|hr|/div)\b[^>]*>", "\n", html, flags=re.I)
    text = re.sub(r"<[^>]+>", "", text)
    parts = [len(part) for part in re.split(r"\n+", text.strip()) if part.strip()][:400]
    paragraphs = len(re.findall(r"<(?:p|tr|h\d)\b", html, re.I))
    images = len(re.findall(r"<img\b[^>]*\bsrc=", html, re.I))
    fixed = 16 + paragraphs * 10 + images * 140
    # a first guess for a ~700 px wide frame; conversation.js redoes it for the real width
    height = fixed + sum(n // 100 + 1 for n in parts) * 22
    return {
        "remote": result.remote_images,
        "folded": result.quotes_removed,
        "height": max(90, min(height, 1100)),
        "parts": parts,
        "fixed": fixed,
    }
