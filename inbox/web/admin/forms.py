"""Form helpers shared by the admin pages: read a trimmed field, a bounded whole number, a list."""

from __future__ import annotations

import re

from flask import request

from ...i18n import gettext as _
from ...i18n import lazy_gettext

POLICY_LABELS = {
    "reopen": lazy_gettext("Reopen the closed conversation"),
    "new": lazy_gettext("Always start a new conversation"),
    "new_after_days": lazy_gettext("Start a new one if closed for more than N days"),
}


def form_text(name: str) -> str:
    return (request.form.get(name) or "").strip()


def form_int(name: str, errors: dict, low: int = 0, high: int = 65535, optional: bool = True) -> int | None:
    raw = form_text(name)
    if not raw:
        if not optional:
            errors[name] = _("Required.")
        return None
    if not raw.isdigit() or not low <= int(raw) <= high:
        errors[name] = _("A whole number from %(low)s to %(high)s.", low=low, high=high)
        return None
    return int(raw)


def form_list(name: str) -> list[str]:
    return [p.strip() for p in re.split(r"[,\n]", request.form.get(name) or "") if p.strip()]
