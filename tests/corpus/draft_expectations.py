"""Drafts tests/corpus_expected.json for messages that have no expectation yet.

Not our parser: the draft comes from Python's email package with policy.default (an independent
reading), bounce truth from the corpus itself (flufl.bounce's data are all bounces; elsewhere a
multipart/report delivery-status), then every draft is compared with inbox's parser and each
disagreement is read by a person and settled by hand in the JSON (with a "note" saying why).
Run: .venv/bin/python tests/corpus/draft_expectations.py [--check]
"""

from __future__ import annotations

import email
import email.policy
import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import corpus_sources  # noqa: E402

_WORDY = re.compile(r"[^\W\d_]{3,}")
_TAG = re.compile(r"<[^>]*>")


def _snippet(text: str) -> str:
    for line in text.splitlines():
        line = " ".join(_TAG.sub(" ", line).split())
        if line.startswith(">") or len(_WORDY.findall(line)) < 3 or "&" in line or "=" in line:
            continue
        return line[:40].strip()
    return ""


def draft(raw: bytes, corpus: str) -> dict:
    out: dict = {}
    try:
        msg = email.message_from_bytes(raw, policy=email.policy.default)
    except Exception as exc:  # the reference failed: a person fills this one in
        return {"note": f"reference parser failed: {exc}"}
    try:
        out["subject"] = " ".join(str(msg.get("subject", "") or "").split())
    except Exception:
        pass
    try:
        addrs = msg["from"].addresses if msg["from"] is not None else ()
        out["from"] = addrs[0].addr_spec.lower() if addrs and "@" in addrs[0].addr_spec else None
    except Exception:
        pass
    try:
        body = msg.get_body(preferencelist=("plain", "html"))
        text = body.get_content() if body is not None else ""
        out["snippet"] = _snippet(text)
    except Exception:
        pass
    names, dsn = [], False

    def walk(part, depth=0):  # not into attached messages: their parts are not this message's
        nonlocal dsn
        name = part.get_filename()
        if name:
            names.append(name)
        dsn = dsn or part.get_content_type() == "message/delivery-status"
        if part.is_multipart() and part.get_content_maintype() != "message" and depth < 20:
            for sub in part.get_payload():
                walk(sub, depth + 1)

    try:
        walk(msg)
    except Exception:
        pass
    out["attachments"] = names
    out["bounce"] = corpus == "flufl" or dsn
    out["auto_reply"] = False
    return {k: v for k, v in out.items() if v not in (None, "")}


def main() -> None:
    path = corpus_sources.EXPECTED
    data = json.loads(path.read_text()) if path.exists() else {"messages": {}}
    for corpus, files in corpus_sources.corpora().items():
        for ident, file in files:
            if ident not in data["messages"]:
                data["messages"][ident] = draft(file.read_bytes(), corpus)
    data["messages"] = dict(sorted(data["messages"].items()))
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
