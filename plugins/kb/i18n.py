"""The knowledge base's own catalogue (translations/<locale>/LC_MESSAGES/kb.po)."""

from __future__ import annotations

from inbox.i18n.plugins import domain_for

tr = domain_for(__name__, "kb")
_, ngettext, pgettext, lazy_gettext = tr.gettext, tr.ngettext, tr.pgettext, tr.lazy_gettext
