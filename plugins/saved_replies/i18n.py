"""The saved replies' own catalogue (translations/<locale>/LC_MESSAGES/saved_replies.po)."""

from __future__ import annotations

from inbox.i18n.plugins import domain_for

tr = domain_for(__name__, "saved_replies")
_, ngettext, pgettext, lazy_gettext = tr.gettext, tr.ngettext, tr.pgettext, tr.lazy_gettext
