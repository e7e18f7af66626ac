"""The auto-responder's own catalogue (translations/<locale>/LC_MESSAGES/autoresponder.po).

Its replies are written in the customer's language, never the agent's: ``customer_locale`` picks it.
"""

from __future__ import annotations

from inbox.i18n.plugins import domain_for

tr = domain_for(__name__, "autoresponder")
_, ngettext, pgettext, lazy_gettext = tr.gettext, tr.ngettext, tr.pgettext, tr.lazy_gettext


def customer_locale(conversation) -> str:
    """The language mail to this conversation's customer is written in (the core decides: their last
    portal language, else the mailbox's, else the install's; never the agent's)."""
    from inbox.i18n import customer_locale as core_choice

    return core_choice(getattr(conversation, "customer", None), getattr(conversation, "mailbox", None))


def default_text(template: str) -> str:
    """An untouched default (stored in English) in the current language; anything else as typed."""
    from .models import DEFAULT_BODY, DEFAULT_OUTSIDE_BODY, DEFAULT_SUBJECT

    if template in (DEFAULT_SUBJECT, DEFAULT_BODY, DEFAULT_OUTSIDE_BODY):
        return tr.gettext(template)
    return template


def stored_text(typed: str) -> str:
    """What a form field stores: the English default when the admin left the shown default as it was."""
    from .models import DEFAULT_BODY, DEFAULT_OUTSIDE_BODY, DEFAULT_SUBJECT

    normal = typed.replace("\r\n", "\n")
    for default in (DEFAULT_SUBJECT, DEFAULT_BODY, DEFAULT_OUTSIDE_BODY):
        if normal == tr.gettext(default) or normal == default:
            return default
    return typed
