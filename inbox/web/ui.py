"""Template helpers shared by every agent page: relative times, initials, status labels, and
which endpoints exist (so the layout links only to pages that are installed)."""
from __future__ import annotations

from datetime import datetime, timezone

from markupsafe import Markup, escape

STATUS_LABELS = {"active": "Active", "pending": "Pending", "closed": "Closed", "spam": "Spam"}


def initials(name: str | None) -> str:
    parts = [p for p in (name or "").replace("@", " ").split() if p[:1].isalnum()]
    if not parts:
        return "?"
    return (parts[0][0] + (parts[-1][0] if len(parts) > 1 else "")).upper()


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def reltime_text(value: datetime | None, now: datetime | None = None) -> str:
    if value is None:
        return ""
    now = now or datetime.now(timezone.utc)
    seconds = int((now - _aware(value)).total_seconds())
    future, seconds = seconds < 0, abs(seconds)
    if seconds < 45:
        return "just now"
    if seconds < 3600:
        text = f"{round(seconds / 60)} min"
    elif seconds < 86400:
        text = f"{round(seconds / 3600)} h"
    elif seconds < 86400 * 7:
        text = f"{round(seconds / 86400)} d"
    else:
        value = _aware(value)
        return value.strftime("%b %-d") if value.year == now.year else value.strftime("%b %-d, %Y")
    return f"in {text}" if future else f"{text} ago"


def reltime(value: datetime | None) -> Markup:
    """<time> with the exact moment as tooltip; app.js keeps the text fresh."""
    if value is None:
        return Markup("")
    value = _aware(value)
    return Markup('<time datetime="{iso}" title="{full}" data-relative>{text}</time>').format(
        iso=value.isoformat(), full=value.strftime("%Y-%m-%d %H:%M UTC"), text=reltime_text(value))


def fulltime(value: datetime | None) -> str:
    return _aware(value).strftime("%Y-%m-%d %H:%M UTC") if value else ""


def status_badge(status: str) -> Markup:
    return Markup('<span class="badge badge-{s}">{label}</span>').format(
        s=status, label=STATUS_LABELS.get(status, status.title()))


def init_app(app) -> None:
    app.jinja_env.filters.update(initials=initials, reltime=reltime, fulltime=fulltime, status_badge=status_badge)
    app.jinja_env.globals.update(STATUS_LABELS=STATUS_LABELS, escape=escape)
