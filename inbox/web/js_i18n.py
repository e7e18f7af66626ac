"""The JavaScript catalogue: ``/i18n/<locale>.json``, the ``js`` domain of the core and of every plugin.

Served as a file the page fetches (app.js), not inlined, so the Content-Security-Policy needs no
inline script. Public: it holds only interface wording, the same for every viewer of a language.
Format: ``{"locale": "ko", "nplurals": 1, "messages": {msgid: text | [forms], "ctx\\u0004msgid": ...}}``.
"""

from __future__ import annotations

import os

from babel.messages.plurals import get_plural
from flask import Blueprint, abort, jsonify

from ..i18n.plugins import load_catalogue
from ..i18n.selection import TRANSLATIONS_DIR, supported_locales
from ..plugin_host import host

bp = Blueprint("js_i18n", __name__)
_cache: dict[tuple, dict] = {}


def _directories() -> list[str]:
    dirs = [TRANSLATIONS_DIR]
    for module in host().modules.values():
        path = getattr(module, "__path__", None)
        if path and os.path.isdir(os.path.join(list(path)[0], "translations")):
            dirs.append(os.path.join(list(path)[0], "translations"))
    return dirs


def catalogue(locale: str) -> dict:
    """Every js message of this locale, core first, then plugins in load order (first one wins)."""
    directories = _directories()
    key = (locale, *directories)  # per set of plugins: apps in one process may load different ones
    if key in _cache:
        return _cache[key]
    messages: dict[str, object] = {}
    for directory in directories:
        translations = load_catalogue(directory, locale, "js")
        if translations is None:
            continue
        for key, value in translations._catalog.items():  # gettext's own table, already without fuzzy
            if key == "" or not value:
                continue
            if isinstance(key, tuple):  # (msgid, plural index)
                forms = messages.setdefault(key[0], [])
                if isinstance(forms, list):
                    forms.extend([""] * (key[1] + 1 - len(forms)))
                    forms[key[1]] = value
            else:
                messages.setdefault(key, value)
    # app.js knows the one-form (ko, ja, zh...) and the English-like two-form rule
    nplurals = get_plural(locale).num_plurals
    _cache[key] = {"locale": locale, "nplurals": nplurals, "messages": messages}
    return _cache[key]


@bp.get("/i18n/<locale>.json")
def js_catalogue(locale: str):
    if locale not in supported_locales():
        abort(404)
    response = jsonify(catalogue(locale))
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
