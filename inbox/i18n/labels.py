"""Words for stored codes that every face shows (agent pages, plugins' panels, events): one place,
so a status reads the same everywhere. Lazy, because the language is the viewer's."""

from __future__ import annotations

from flask_babel import lazy_pgettext

STATUS_LABELS = {
    "active": lazy_pgettext("status", "Active"),
    "pending": lazy_pgettext("status", "Pending"),
    "closed": lazy_pgettext("status", "Closed"),
    "spam": lazy_pgettext("status", "Spam"),
}


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status.title()))
