"""Template helpers shared by every agent page: relative times, initials, status labels, and
which endpoints exist (so the layout links only to pages that are installed). Times are shown in
the viewer's language and zone (inbox.i18n.formatting)."""

from __future__ import annotations

from datetime import datetime

from markupsafe import Markup, escape

from ..i18n.formatting import aware, format_datetime, format_datetime_zone, format_filesize, format_relative
from ..i18n.labels import STATUS_LABELS, status_label


def initials(name: str | None) -> str:
    parts = [p for p in (name or "").replace("@", " ").split() if p[:1].isalnum()]
    if not parts:
        return "?"
    return (parts[0][0] + (parts[-1][0] if len(parts) > 1 else "")).upper()


def reltime_text(value: datetime | None, now: datetime | None = None) -> str:
    return format_relative(value, now)


def reltime(value: datetime | None) -> Markup:
    """<time> with the exact moment (viewer's zone) as tooltip; app.js keeps the text fresh."""
    if value is None:
        return Markup("")
    value = aware(value)
    return Markup('<time datetime="{iso}" title="{full}" data-relative>{text}</time>').format(
        iso=value.isoformat(), full=format_datetime_zone(value), text=format_relative(value)
    )


def fulltime(value: datetime | None) -> str:
    return format_datetime(value) if value else ""


def status_badge(status: str) -> Markup:
    return Markup('<span class="badge badge-{s}">{label}</span>').format(s=status, label=status_label(status))


def init_app(app) -> None:
    app.jinja_env.filters.update(
        initials=initials,
        reltime=reltime,
        fulltime=fulltime,
        status_badge=status_badge,
        status_label=status_label,
        filesize=format_filesize,
    )
    app.jinja_env.globals.update(STATUS_LABELS=STATUS_LABELS, escape=escape)
