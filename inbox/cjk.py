"""Korean, Japanese and Chinese text for search: what counts as CJK, and the bigram rewrite.

Shared by the conversation search (inbox.search, search_pg) and the knowledge base (plugins/kb).
Korean glues particles to the word ("배송이", "배송을"), and CJK text has few or no spaces, so a
word-based index sees "배송이" as one token that a search for "배송" does not equal:
* the conversation search makes every CJK query word a prefix query (the particle follows the
  word, so "배송" matches the token "배송이"); the index stays as it is on both databases;
* the knowledge base rewrites CJK runs as overlapping bigrams before indexing and querying
  ("배송비" -> "배송 송비"), Lucene's CJK analyzer's approach, which also finds words inside compounds.
"""

from __future__ import annotations

import re

_CJK = r"\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
CJK_RUN = re.compile(f"[{_CJK}]+")
WORD = re.compile(rf"[{_CJK}]+|[^\W_]+", re.UNICODE)


def has_cjk(text: str) -> bool:
    return bool(CJK_RUN.search(text or ""))


def bigrams(run: str) -> list[str]:
    return [run] if len(run) < 2 else [run[i : i + 2] for i in range(len(run) - 1)]


def prepare(text: str) -> str:
    """Text as a bigram index stores it: CJK runs become bigrams, the rest is unchanged."""
    return CJK_RUN.sub(lambda m: " " + " ".join(bigrams(m.group())) + " ", text or "")
