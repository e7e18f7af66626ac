"""Extraction, update and checking of the plugin catalogues and the JavaScript domain.

``python -m inbox.i18n.plugin_catalogues update|check`` (scripts/i18n_plugins.sh). The core ``messages``
domain has its own commands (docs/i18n.md); this covers every catalogue that is not it:

* each bundled plugin: ``plugins/<name>/translations/<locale>/LC_MESSAGES/<name>.po`` from its
  Python and templates (tests and migrations excluded), and ``js.po`` from its ``static/*.js``;
* the core's JavaScript: ``inbox/translations/<locale>/LC_MESSAGES/js.po`` from ``inbox/static``.

``en`` is filled from the msgids (English is the source language); every other locale must be
translated by a person: ``check`` fails on an untranslated or fuzzy entry, and on a committed .pot
that differs from what the code would extract now (a string added without updating the catalogue).
"""

from __future__ import annotations

import io
import os
import sys

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LOCALES = ("en", "ko")
PY_KEYWORDS = {**DEFAULT_KEYWORDS, "lazy_gettext": None, "lazy_pgettext": ((1, "c"), 2), "lazy_ngettext": (1, 2)}
# inbox.t / inbox.nt / inbox.pt, and the local aliases the scripts use (T, NT, wcT)
JS_KEYWORDS = {"t": None, "T": None, "wcT": None, "nt": (1, 2), "NT": (1, 2), "pt": ((1, "c"), 2)}
PY_MAP = [
    ("**/tests/**", "ignore"),
    ("**/migrations/**", "ignore"),
    ("**.py", "python"),
    ("**/templates/**.html", "jinja2"),
]
JS_MAP = [("**/vendor/**", "ignore"), ("**/tests/**", "ignore"), ("**.js", "javascript")]


def targets() -> list[dict]:
    """Every catalogue this module looks after: source folder, method map, output folder, domain."""
    out = [
        {
            "src": os.path.join(ROOT, "inbox", "static"),
            "map": JS_MAP,
            "keywords": JS_KEYWORDS,
            "dir": os.path.join(ROOT, "inbox", "translations"),
            "domain": "js",
        }
    ]
    plugins = os.path.join(ROOT, "plugins")
    for name in sorted(os.listdir(plugins)):
        folder = os.path.join(plugins, name)
        if name.startswith(("_", ".")) or not os.path.isfile(os.path.join(folder, "__init__.py")):
            continue
        tdir = os.path.join(folder, "translations")
        out.append({"src": folder, "map": PY_MAP, "keywords": PY_KEYWORDS, "dir": tdir, "domain": name})
        static = os.path.join(folder, "static")
        if os.path.isdir(static) and any(f.endswith(".js") for f in os.listdir(static)):
            out.append({"src": static, "map": JS_MAP, "keywords": JS_KEYWORDS, "dir": tdir, "domain": "js"})
    return out


def extract(target: dict) -> Catalog:
    catalog = Catalog(project="inbox", domain=target["domain"], charset="utf-8")
    for filename, lineno, message, comments, context in extract_from_dir(
        target["src"],
        method_map=target["map"],
        keywords=target["keywords"],
        comment_tags=("Translators:",),
        strip_comment_tags=True,
    ):
        path = os.path.relpath(os.path.join(target["src"], filename), ROOT)
        catalog.add(message, None, [(path, lineno)], auto_comments=comments, context=context)
    return catalog


def _pot_text(catalog: Catalog) -> str:
    buf = io.BytesIO()
    # no header dates, no line numbers: the check compares messages, not when or where exactly
    write_po(buf, catalog, omit_header=True, sort_output=True, include_lineno=False, width=100)
    return buf.getvalue().decode("utf-8")


def _po_path(target: dict, locale: str) -> str:
    return os.path.join(target["dir"], locale, "LC_MESSAGES", f"{target['domain']}.po")


def _pot_path(target: dict) -> str:
    return os.path.join(target["dir"], f"{target['domain']}.pot")


def update() -> None:
    for target in targets():
        template = extract(target)
        if not len(template) and not os.path.exists(_pot_path(target)):
            continue
        os.makedirs(target["dir"], exist_ok=True)
        with open(_pot_path(target), "w", encoding="utf-8") as fh:
            fh.write(_pot_text(template))
        for locale in LOCALES:
            path = _po_path(target, locale)
            if os.path.exists(path):
                with open(path, "rb") as fh:
                    catalog = read_po(fh, locale=locale, domain=target["domain"])
            else:
                catalog = Catalog(locale=locale, domain=target["domain"], project="inbox", charset="utf-8")
            catalog.update(template, no_fuzzy_matching=True)
            catalog.obsolete.clear()
            if locale == "en":  # the source language: its translation is the msgid
                for message in catalog:
                    strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
                    if message.id and (not all(strings) or message.fuzzy):
                        message.string = tuple(message.id) if message.pluralizable else message.id
                        message.flags.discard("fuzzy")
            os.makedirs(os.path.dirname(path), exist_ok=True)
            buf = io.BytesIO()
            write_po(buf, catalog, sort_output=True, include_lineno=False, width=100, omit_header=False)
            with open(path, "wb") as fh:
                fh.write(buf.getvalue())
            print(f"{os.path.relpath(path, ROOT)}: {len(catalog)} messages")


def problems() -> list[str]:
    found = []
    for target in targets():
        template = extract(target)
        pot = _pot_path(target)
        if not len(template) and not os.path.exists(pot):
            continue
        current = open(pot, encoding="utf-8").read() if os.path.exists(pot) else ""
        if current != _pot_text(template):
            found.append(f"{os.path.relpath(pot, ROOT)} differs from the code: run scripts/i18n_plugins.sh update")
        for locale in LOCALES:
            path = _po_path(target, locale)
            if not os.path.exists(path):
                found.append(f"{os.path.relpath(path, ROOT)} is missing")
                continue
            with open(path, "rb") as fh:
                catalog = read_po(fh, locale=locale)
            ids = {m.id if isinstance(m.id, str) else m.id[0] for m in template if m.id}
            for message in catalog:
                if not message.id:
                    continue
                key = message.id if isinstance(message.id, str) else message.id[0]
                strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
                if message.fuzzy:
                    found.append(f"{os.path.relpath(path, ROOT)}: fuzzy: {key!r}")
                elif not all(strings):
                    found.append(f"{os.path.relpath(path, ROOT)}: untranslated: {key!r}")
                ids.discard(key)
            for key in sorted(ids):
                found.append(f"{os.path.relpath(path, ROOT)}: missing: {key!r}")
    return found


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "check"
    if command == "update":
        update()
        return 0
    if command == "check":
        found = problems()
        for line in found:
            print(line, file=sys.stderr)
        return 1 if found else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
