"""The WooCommerce plugin's own catalogue (translations/<locale>/LC_MESSAGES/woocommerce.po)."""

from __future__ import annotations

from inbox.i18n.plugins import domain_for

tr = domain_for(__name__, "woocommerce")
_, ngettext, pgettext, lazy_gettext = tr.gettext, tr.ngettext, tr.pgettext, tr.lazy_gettext
