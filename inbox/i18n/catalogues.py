"""Maintaining the core catalogue: extract, update, check (scripts/i18n_update.sh, scripts/i18n_check.sh).

    python -m inbox.i18n.catalogues update   re-extract messages.pot, update every messages.po,
                                             fill English from the source text
    python -m inbox.i18n.catalogues check    exit 1 when messages.pot differs from the code, or a
                                             language has an untranslated, fuzzy or missing entry

The comparison is by message (context, id, plural), not by bytes: line numbers moving is no change.
"""

from __future__ import annotations

import os
import sys
import tempfile

from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po, write_po

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DIR = os.path.join(ROOT, "inbox", "translations")
POT = os.path.join(DIR, "messages.pot")
SOURCE_LANGUAGE = "en"
KEYWORDS = ["-k", "lazy_gettext", "-k", "lazy_pgettext:1c,2", "-k", "lazy_ngettext:1,2"]


def extract(output: str) -> None:
    CommandLineInterface().run(
        [
            "pybabel",
            "-q",
            "extract",
            "-F",
            os.path.join(ROOT, "babel.cfg"),
            *KEYWORDS,
            "--add-location=file",
            "--sort-output",
            "--no-wrap",
            "--project=inbox",
            "--copyright-holder=inbox contributors",
            "-o",
            output,
            ".",
        ]
    )
    with open(output, encoding="utf-8") as f:  # the creation date alone would make every run a change
        lines = [line for line in f if not line.startswith('"POT-Creation-Date:')]
    with open(output, "w", encoding="utf-8") as f:
        f.writelines(lines)


def languages() -> list[str]:
    return sorted(d for d in os.listdir(DIR) if os.path.isfile(os.path.join(DIR, d, "LC_MESSAGES", "messages.po")))


def _po_path(lang: str) -> str:
    return os.path.join(DIR, lang, "LC_MESSAGES", "messages.po")


def _read(path: str, locale: str | None = None):
    with open(path, "rb") as f:
        return read_po(f, locale=locale)


def _keys(catalog) -> set:
    return {(m.context, m.id if isinstance(m.id, str) else tuple(m.id)) for m in catalog if m.id}


def update() -> None:
    os.chdir(ROOT)
    extract(POT)
    for lang in languages():
        # no fuzzy matching: a guessed translation of a changed string is worse than an honest gap
        CommandLineInterface().run(
            [
                "pybabel",
                "-q",
                "update",
                "--no-fuzzy-matching",
                "--ignore-obsolete",
                "--no-wrap",
                "-i",
                POT,
                "-d",
                DIR,
                "-l",
                lang,
            ]
        )
    fill_source()


def fill_source(lang: str = SOURCE_LANGUAGE) -> None:
    """English entries read as the source text unless someone wrote a better English."""
    path = _po_path(lang)
    catalog = _read(path, lang)
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, (list, tuple)):
            if not all(message.string):
                message.string = tuple(message.id)
        elif not message.string:
            message.string = message.id
        message.flags.discard("fuzzy")
    with open(path, "wb") as f:
        write_po(f, catalog, width=0, sort_output=True, include_lineno=False)


def problems() -> list[str]:
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        fresh = os.path.join(tmp, "messages.pot")
        cwd = os.getcwd()
        os.chdir(ROOT)
        try:
            extract(fresh)
        finally:
            os.chdir(cwd)
        code, committed = _keys(_read(fresh)), _keys(_read(POT))
    for ctx, mid in sorted(code - committed, key=str):
        out.append(
            f"messages.pot lacks {mid!r}" + (f" (context {ctx!r})" if ctx else "") + " - run scripts/i18n_update.sh"
        )
    for _ctx, mid in sorted(committed - code, key=str):
        out.append(f"messages.pot has {mid!r}, gone from the code - run scripts/i18n_update.sh")
    for lang in languages():
        catalog = _read(_po_path(lang), lang)
        have = {}
        for m in catalog:
            if m.id:
                have[(m.context, m.id if isinstance(m.id, str) else tuple(m.id))] = m
        for key in sorted(code - set(have), key=str):
            out.append(f"{lang}: missing {key[1]!r} - run scripts/i18n_update.sh")
        for key, m in sorted(have.items(), key=lambda kv: str(kv[0])):
            strings = m.string if isinstance(m.string, (list, tuple)) else [m.string]
            if m.fuzzy:
                out.append(f"{lang}: fuzzy {key[1]!r}")
            elif not all(strings):
                out.append(f"{lang}: untranslated {key[1]!r}")
    return out


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "check"
    if command == "update":
        update()
        return 0
    if command == "fill-source":
        fill_source(*(argv[1:2] or [SOURCE_LANGUAGE]))
        return 0
    found = problems()
    for line in found:
        print(line)
    print(f"{len(found)} problem(s) in the core catalogue" if found else "core catalogue complete")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
