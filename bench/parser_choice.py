"""Which parser reads mail best and fastest: inbox's stdlib-based parser (with and without the
feedparser boundary shim, parse_boundary.py) against fast-mail-parser (Rust mail-parser) when it
is installed (`.venv/bin/pip install fast-mail-parser`; not a dependency).

Fidelity: the subject / sender / snippet / attachment-name expectations of the public corpus
(tests/corpus_expected.json; fetch it with scripts/corpus.sh). Speed: parsing the corpus and the
ingest benchmark's synthetic mail (bench/ingest.py). Prints figures; asserts nothing.

    .venv/bin/python bench/parser_choice.py [--n 3000]
"""

from __future__ import annotations

import argparse
import email.feedparser
import os
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "bench"), str(ROOT)]

from corpus_sources import corpora, expectations  # noqa: E402
from ingest import corpus as synthetic  # noqa: E402

from inbox.mail.parse import feedparser_speedups as parse_boundary  # noqa: E402
from inbox.mail.parse import parse_message  # noqa: E402

FIELDS = ("subject", "from", "snippet", "attachments")
_ADDR = re.compile(r"[^\s<>\"]+@[^\s<>\"]+")


def _norm(text) -> str:
    return " ".join(str(text or "").split())


def ours(raw: bytes) -> dict:
    p = parse_message(raw)
    return {
        "subject": p.subject,
        "from": p.from_email,
        "text": p.text,
        "attachments": [a.filename for a in p.attachments],
    }


def fast(raw: bytes) -> dict:
    import fast_mail_parser

    try:
        m = fast_mail_parser.parse_email(raw)
    except Exception:  # it refuses what it cannot read
        return {"subject": "", "from": None, "text": raw.decode("utf-8", "replace"), "attachments": []}
    froms = m.from_ if isinstance(m.from_, list) else [m.from_]
    addr = next((a.lower() for f in froms for a in _ADDR.findall(str(f))), None)
    text = "\n".join(m.text_plain or []) or "\n".join(re.sub(r"<[^>]+>", " ", h) for h in m.text_html or [])
    return {
        "subject": m.subject or "",
        "from": addr,
        "text": text,
        "attachments": [a.filename for a in m.attachments or []],
    }


def met(got: dict, want: dict) -> tuple[int, int]:
    hits = total = 0
    for field in FIELDS:
        if field not in want:
            continue
        total += 1
        if field == "subject":
            hits += _norm(got["subject"]) == _norm(want["subject"])
        elif field == "from":
            hits += (got["from"] or None) == want["from"]
        elif field == "snippet":
            hits += _norm(want["snippet"]) in _norm(got["text"])
        else:
            hits += all(name in got["attachments"] for name in want["attachments"])
    return hits, total


def timed(parse, raws: list[bytes], runs: int = 3) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        for raw in raws:
            parse(raw)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=3000, help="synthetic messages for the speed figure")
    args = ap.parse_args()
    want = expectations()
    files = [(ident, path.read_bytes()) for files in corpora().values() for ident, path in files]
    parsers = {"inbox (stdlib + shim)": ours}
    try:
        import fast_mail_parser  # noqa: F401

        parsers["fast-mail-parser"] = fast
    except ImportError:
        print("fast-mail-parser not installed: only inbox's parser is measured")
    print(f"corpus: {len(files)} messages; load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    for name, parse in parsers.items():
        hits = total = 0
        for ident, raw in files:
            h, t = met(parse(raw), want.get(ident, {}))
            hits, total = hits + h, total + t
        print(f"  {name:24} fidelity {hits}/{total} ({hits / total:.1%})")
    raws = synthetic(args.n)
    corpus_raws = [raw for _i, raw in files]
    for name, parse in parsers.items():
        t = timed(parse, raws)
        c = timed(parse, corpus_raws)
        print(f"  {name:24} synthetic {args.n / t:8.0f} msg/s   corpus {len(corpus_raws) / c:8.0f} msg/s")
    # the shim: the same parser with feedparser's own regexes, runs interleaved (a shared machine)
    import re as real_re

    shim = (email.feedparser.re, email.feedparser.NLCRE_eol)
    plain = (real_re, real_re.compile(r"(\r\n|\r|\n)\Z"))
    best = {"with": float("inf"), "without": float("inf")}
    try:
        for _ in range(5):
            for key, (re_module, eol) in (("with", shim), ("without", plain)):
                email.feedparser.re, email.feedparser.NLCRE_eol = re_module, eol
                best[key] = min(best[key], timed(ours, raws, runs=1))
    finally:
        email.feedparser.re, email.feedparser.NLCRE_eol = shim
        parse_boundary.install()
    print(
        f"  shim (best of 5, interleaved): with {args.n / best['with']:.0f} msg/s, "
        f"without {args.n / best['without']:.0f} msg/s"
    )


if __name__ == "__main__":
    main()
