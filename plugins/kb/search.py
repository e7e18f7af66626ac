"""Full-text search over articles: SQLite FTS5 with BM25 now, a portable fallback elsewhere.

Word splitting fails for Korean, Japanese and Chinese (no spaces, or particles glued to words), so
before indexing and querying every run of CJK characters is rewritten as overlapping bigrams
("배송비" -> "배송 송비"): a two-character query word then matches inside longer text, the
approach of Lucene's CJK analyzer. Latin text goes through FTS5's porter stemmer.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from markupsafe import Markup, escape

from inbox.cjk import CJK_RUN, WORD, bigrams, prepare  # noqa: F401  (shared with the conversation search)
from inbox.extensions import db

from .models import Article

STOPWORDS = set(
    """a an and are as at be but by can could do does did for from had has have hello hi how i i'm
if in into is it its just me my no not of on or our please regards so than thank thanks that the their them
then there these they this to too very was we were what when where which who why will with would you your
yours dear team help hey am been being get got any some all also there's i've can't don't im ive""".split()
)


def terms(query: str, drop_stopwords: bool = True) -> list[str]:
    out: list[str] = []
    for word in WORD.findall(query.lower()):
        if CJK_RUN.fullmatch(word):
            out.append(word)
        elif not (drop_stopwords and word in STOPWORDS) and (len(word) > 1 or word.isdigit()):
            out.append(word)
    return out


def _fts_term(term: str) -> str:
    """One query term as FTS5 syntax, quoted so no character acts as an operator.

    A CJK term matches when any of its bigrams does: Korean and Japanese glue particles to the
    word ("배송이", "配送が"), so demanding every bigram would miss the article about "배송".
    BM25 still ranks articles that share more bigrams higher.
    """
    if CJK_RUN.fullmatch(term):
        return "(" + " OR ".join(f'"{b}"' for b in bigrams(term)) + ")"
    return '"' + term.replace('"', "") + '"'


@dataclass
class Hit:
    article: Article
    score: float
    snippet: Markup


def index(article: Article) -> None:
    if not _fts():
        return
    db.session.execute(db.text("DELETE FROM kb_fts WHERE rowid = :id"), {"id": article.id})
    db.session.execute(
        db.text("INSERT INTO kb_fts(rowid, title, body, tags) VALUES (:id, :t, :b, :g)"),
        {
            "id": article.id,
            "t": prepare(article.title),
            "b": prepare(article.body),
            "g": prepare(" ".join(article.tags or [])),
        },
    )


def remove(article_id: int) -> None:
    if _fts():
        db.session.execute(db.text("DELETE FROM kb_fts WHERE rowid = :id"), {"id": article_id})


def _fts() -> bool:
    return db.engine.dialect.name == "sqlite"


def search(
    query: str, limit: int = 10, published_only: bool = True, any_term: bool = False, backend: str | None = None
) -> list[Hit]:
    """Best articles first. any_term=True ORs the words (suggestions from a long customer message);
    otherwise every word must match (a search box)."""
    words = terms(query)
    if not words:
        return []
    if (backend or ("fts" if _fts() else "scan")) == "fts":
        ranked = _search_fts(words, limit, published_only, any_term)
    else:
        ranked = _search_scan(words, limit, published_only, any_term)
    articles = {
        a.id: a for a in db.session.execute(db.select(Article).where(Article.id.in_([i for i, _ in ranked]))).scalars()
    }
    marks = [b for w in words for b in (bigrams(w) if CJK_RUN.fullmatch(w) else [w])]
    return [Hit(articles[i], score, snippet(articles[i].body, marks)) for i, score in ranked if i in articles]


def _search_fts(words: list[str], limit: int, published_only: bool, any_term: bool) -> list[tuple[int, float]]:
    match = (" OR " if any_term else " AND ").join(_fts_term(w) for w in words)
    sql = (
        "SELECT kb_fts.rowid, bm25(kb_fts, 8.0, 1.0, 4.0) AS rank FROM kb_fts "
        "JOIN kb_article a ON a.id = kb_fts.rowid WHERE kb_fts MATCH :q "
        + ("AND a.status = 'published' " if published_only else "")
        + "ORDER BY rank LIMIT :n"
    )
    rows = db.session.execute(db.text(sql), {"q": match, "n": limit}).all()
    return [(row[0], -float(row[1])) for row in rows]  # bm25 is lower-is-better; flip it


def _search_scan(words: list[str], limit: int, published_only: bool, any_term: bool) -> list[tuple[int, float]]:
    """Any database: TF-IDF-like scoring in Python over the (small) article table."""
    query = db.select(Article.id, Article.title, Article.body, Article.tags)
    if published_only:
        query = query.where(Article.status == "published")
    docs = [
        (i, prepare(t).lower(), prepare(b).lower(), " ".join(g or []).lower())
        for i, t, b, g in db.session.execute(query).all()
    ]
    groups = [bigrams(w) if CJK_RUN.fullmatch(w) else [w] for w in words]  # as in _fts_term
    needles = sorted({n for g in groups for n in g})
    df = {n: sum(1 for d in docs if n in d[1] or n in d[2] or n in d[3]) for n in needles}
    scored = []
    for i, title, body, tags in docs:
        found = [n for n in needles if n in title or n in body or n in tags]
        matched_groups = sum(1 for g in groups if any(n in found for n in g))
        if not found or (not any_term and matched_groups < len(groups)):
            continue
        idf = {n: math.log(1 + len(docs) / (1 + df[n])) for n in found}
        score = sum(idf[n] * (8 * title.count(n) + body.count(n) + 4 * tags.count(n)) for n in found)
        scored.append((i, score))
    return sorted(scored, key=lambda s: -s[1])[:limit]


def snippet(text: str, words: list[str], width: int = 160) -> Markup:
    """An escaped excerpt around the first match, matches wrapped in <mark>."""
    plain = re.sub(r"[#*_`>\[\]()!-]+", " ", text or "")
    plain = re.sub(r"\s+", " ", plain).strip()
    lowered = plain.lower()
    positions = [lowered.find(w) for w in words if lowered.find(w) >= 0]
    start = max(0, min(positions) - width // 3) if positions else 0
    if start:  # begin at a word, not in the middle of one (CJK has no spaces: keep the cut)
        space = plain.find(" ", start, start + 20)
        start = space + 1 if space >= 0 else start
    excerpt = plain[start : start + width]
    if start + width < len(plain) and " " in excerpt[width // 2 :]:
        excerpt = excerpt[: excerpt.rfind(" ")]
    pattern = re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)), re.I)
    out, last = [], 0
    for m in pattern.finditer(excerpt):
        out.append(escape(excerpt[last : m.start()]))
        out.append(Markup("<mark>") + escape(m.group()) + Markup("</mark>"))
        last = m.end()
    out.append(escape(excerpt[last:]))
    prefix = "… " if start else ""
    suffix = " …" if start + len(excerpt) < len(plain) else ""
    return Markup(prefix) + Markup("").join(out) + Markup(suffix)
