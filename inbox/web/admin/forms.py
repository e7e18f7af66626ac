"""Form helpers shared by the admin pages: read a trimmed field, a bounded whole number, a list."""
from __future__ import annotations

import re

from flask import request

POLICY_LABELS = {"reopen": "Reopen the closed conversation", "new": "Always start a new conversation",
                 "new_after_days": "Start a new one if closed for more than N days"}


def form_text(name: str) -> str:
    return (request.form.get(name) or "").strip()


def form_int(name: str, errors: dict, low: int = 0, high: int = 65535, optional: bool = True) -> int | None:
    raw = form_text(name)
    if not raw:
        if not optional:
            errors[name] = "Required."
        return None
    if not raw.isdigit() or not low <= int(raw) <= high:
        errors[name] = f"A whole number from {low} to {high}."
        return None
    return int(raw)


def form_list(name: str) -> list[str]:
    return [p.strip() for p in re.split(r"[,\n]", request.form.get(name) or "") if p.strip()]
