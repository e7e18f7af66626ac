"""Where the real-world test mail comes from: every corpus as (id, path) pairs.

Other projects' messages are never committed here: scripts/corpus.sh downloads them (pinned) into
.cache/corpus/, and CPython's own email test data is read from the Python installation. Our own
messages are tests/corpus/*.eml (tests/corpus/make_corpus.py). Licences: docs/corpus.md.
"""

from __future__ import annotations

import json
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".cache" / "corpus"
EXPECTED = Path(__file__).resolve().parent / "corpus_expected.json"

# corpus name -> (folder, which files in it are messages)
_DOWNLOADED = {
    "flufl": ("flufl.bounce", ["*.txt"]),
    "mailparser": ("mail-parser", ["mail_*"]),
    "djmailbox": ("django-mailbox", ["*.eml"]),
    "talon": ("talon", ["*.eml", "standard_replies/*.eml"]),
}


def cpython_email_data() -> Path | None:
    """Lib/test/test_email/data of the running Python (the test package may be left out)."""
    for key in ("stdlib", "platstdlib"):
        path = Path(sysconfig.get_paths()[key]) / "test" / "test_email" / "data"
        if path.is_dir():
            return path
    return None


def corpora() -> dict[str, list[tuple[str, Path]]]:
    """{corpus: [(id, path)]}; a corpus whose files are absent is left out (the tests say so)."""
    out: dict[str, list[tuple[str, Path]]] = {}
    own = Path(__file__).resolve().parent / "corpus"
    out["own"] = [(f"own/{p.name}", p) for p in sorted(own.glob("*.eml"))]
    data = cpython_email_data()
    if data is not None:
        out["cpython"] = [(f"cpython/{p.name}", p) for p in sorted(data.glob("msg_*.txt"))]
    for name, (folder, patterns) in _DOWNLOADED.items():
        base = CACHE / folder
        if not (base / ".done").exists():
            continue
        files = sorted({p for pattern in patterns for p in base.glob(pattern) if p.is_file()})
        out[name] = [(f"{name}/{p.relative_to(base).as_posix()}", p) for p in files if p.name != "__init__.py"]
    return out


def expectations() -> dict[str, dict]:
    return json.loads(EXPECTED.read_text(encoding="utf-8"))["messages"]
