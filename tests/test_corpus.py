"""Real-world mail from public corpora (tests/corpus_sources.py) against the expectations in
tests/corpus_expected.json: subject, sender address, a body snippet, attachment names, bounce and
auto-reply truth. The target is 98 % of expectations met and parse_error only where no header at
all could be read; the misses are printed so a regression shows what it broke."""

from __future__ import annotations

import pytest
from corpus_sources import corpora, expectations

from inbox.mail.parse import parse_message

TARGET = 0.98


def _norm(text: str) -> str:
    return " ".join((text or "").split())


def check(parsed, expected: dict) -> dict[str, bool]:
    """{field: met} for every field this message has an expectation for."""
    met: dict[str, bool] = {}
    if "subject" in expected:
        met["subject"] = _norm(parsed.subject) == _norm(expected["subject"])
    if "from" in expected:
        met["from"] = (parsed.from_email or None) == expected["from"]
    if "snippet" in expected:
        met["snippet"] = _norm(expected["snippet"]) in _norm(parsed.text)
    if "attachments" in expected:
        names = [a.filename for a in parsed.attachments]
        met["attachments"] = all(name in names for name in expected["attachments"])
    if "bounce" in expected:
        met["bounce"] = parsed.is_bounce == expected["bounce"]
    if "auto_reply" in expected:
        met["auto_reply"] = parsed.is_auto_reply == expected["auto_reply"]
    met["parse_error"] = (parsed.parse_error is not None) == bool(expected.get("parse_error", False))
    return met


def _all_files():
    return [(corpus, ident, path) for corpus, files in corpora().items() for ident, path in files]


def test_every_corpus_is_present():
    found = corpora()
    missing = {"cpython", "flufl", "mailparser", "djmailbox", "talon"} - set(found)
    if missing == {"cpython"}:
        pytest.skip("this Python was installed without its test package (Lib/test)")
    assert not missing, f"run scripts/corpus.sh (bash scripts/install.sh --test does): {sorted(missing)}"
    assert sum(map(len, found.values())) >= 300


def test_expectations_met():
    expected = expectations()
    files = _all_files()
    without = [ident for _c, ident, _p in files if ident not in expected]
    assert not without, f"no expectations for {without[:10]} (tests/corpus/draft_expectations.py)"
    total = met = 0
    misses: list[str] = []
    for _corpus, ident, path in files:
        parsed = parse_message(path.read_bytes())
        for field, ok in check(parsed, expected[ident]).items():
            total += 1
            met += ok
            if not ok:
                misses.append(f"{ident}: {field}: got {_got(parsed, field)!r}, expected {expected[ident].get(field)!r}")
    share = met / total
    print(f"\ncorpus: {len(files)} messages, {met}/{total} expectations met ({share:.1%})")
    print("\n".join(misses))
    assert share >= TARGET, "\n".join(misses)


def _got(parsed, field: str):
    return {
        "subject": parsed.subject,
        "from": parsed.from_email,
        "snippet": parsed.text[:120],
        "attachments": [a.filename for a in parsed.attachments],
        "bounce": parsed.is_bounce,
        "auto_reply": parsed.is_auto_reply,
        "parse_error": parsed.parse_error,
    }[field]
