"""PostgreSQL full-text search over thread items (the counterpart of SqliteFtsSearch).

Reads thread_item.search_vector, the generated tsvector that migration 0006 adds with a GIN index:
English stemming as on SQLite ("refund" finds "refunded"), fields told apart by weight. Each user
term goes through phraseto_tsquery (so no input is read as tsquery syntax); the lexemes it returns
are then given the field's weight and a prefix mark, and the pieces joined with & and |. Snippets
come from ts_headline, for the shown page only.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape
from sqlalchemy import bindparam, cast, func, literal_column, select
from sqlalchemy.dialects.postgresql import REGCONFIG, TSQUERY

from .extensions import db
from .models import Conversation, ThreadItem, User
from .search import HL_CLOSE, HL_OPEN, Hit, Query, SearchBackend, SearchPage, highlight_plain, mark, subject_terms

FOLD = "@./<>"  # folded to spaces in documents and query words alike (see migration 0006)
WEIGHTS = {"subject": "A", "sender": "B", "recipients": "C"}
LEXEME = re.compile(r"'(?:[^']|'')*'")
VECTOR = literal_column("thread_item.search_vector")
ENGLISH = cast("english", REGCONFIG)
# ts_headline reads its input as HTML and drops anything tag-like ("<script>", "<ann@x.test>"), but a
# mail's text is plain: angle brackets are swapped for private-use stand-ins and swapped back after
ANGLES, STAND_INS = "<>", "\ue002\ue003"
HEADLINE = (
    f'StartSel="{HL_OPEN}", StopSel="{HL_CLOSE}", MaxFragments=2, MaxWords=24, MinWords=10, FragmentDelimiter=" … "'
)


def has_vector(conn) -> bool:
    return (
        conn.exec_driver_sql(
            "SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND table_name = 'thread_item' AND column_name = 'search_vector'"
        ).first()
        is not None
    )


def _normalised(values: list[str]) -> list[str]:
    """Each value as phraseto_tsquery's canonical text ('' for stop words only), in one round trip."""
    if not values:
        return []
    blanks = " " * len(FOLD)
    columns = [
        cast(func.phraseto_tsquery(ENGLISH, func.translate(bindparam(f"v{i}", value), FOLD, blanks)), db.Text)
        for i, value in enumerate(values)
    ]
    return list(db.session.execute(select(*columns)).one())


def _qualify(normalised: str, weight: str, prefix: bool) -> str:
    lexemes = list(LEXEME.finditer(normalised))
    out, last = [], 0
    for n, m in enumerate(lexemes):
        star = "*" if prefix and n == len(lexemes) - 1 else ""
        suffix = f":{star}{weight}" if star or weight else ""
        out.append(normalised[last : m.end()] + suffix)
        last = m.end()
    return "".join(out) + normalised[last:]


def tsqueries(query: Query) -> tuple[str, str]:
    """(match, headline): the tsquery that selects items, and one that marks every term's words."""
    terms = query.terms
    normalised = dict(zip(terms, _normalised([value for _c, value, _p in terms])))
    groups, marks = [], []
    for group in query.groups:
        parts = []
        for term in group:
            column, _value, prefix = term
            if not normalised[term]:
                continue  # only stop words: ignored, as websearch_to_tsquery would
            parts.append("(" + _qualify(normalised[term], WEIGHTS.get(column, ""), prefix) + ")")
            if column in (None, "subject"):
                marks += [m.group(0) + (":*" if prefix else "") for m in LEXEME.finditer(normalised[term])]
        if parts:
            groups.append("(" + " & ".join(parts) + ")")
    return " | ".join(groups), " | ".join(dict.fromkeys(marks))


class PgFtsSearch(SearchBackend):
    def search(self, query: Query, user: User, limit: int = 25, offset: int = 0) -> SearchPage:
        if not query.terms:
            return self.filters_only(query, user, limit, offset)
        match, marks = tsqueries(query)
        if not match:
            return SearchPage([], None)
        tsquery = cast(bindparam("q", match), TSQUERY)
        newest = func.max(ThreadItem.id)
        stmt = (
            select(ThreadItem.conversation_id, newest.label("item_id"))
            .join(Conversation, Conversation.id == ThreadItem.conversation_id)
            .where(VECTOR.op("@@")(tsquery), ThreadItem.type != "event")
            .group_by(ThreadItem.conversation_id)
        )
        stmt = self.conversation_filters(stmt, query, user, ThreadItem.date)
        if not query.status:
            stmt = stmt.where(Conversation.status != "spam")
        rows = db.session.execute(stmt.order_by(newest.desc()).offset(offset).limit(limit + 1)).all()
        more = len(rows) > limit
        rows = rows[:limit]
        snippets = self._snippets([r.item_id for r in rows], marks)
        convs = {
            c.id: c
            for c in db.session.execute(
                select(Conversation).where(Conversation.id.in_([r.conversation_id for r in rows]))
            )
            .unique()
            .scalars()
        }
        hits = []
        for conv_id, item_id in rows:
            conv, snippet = convs[conv_id], snippets.get(item_id)
            hits.append(
                Hit(
                    conv,
                    highlight_plain(conv.subject or "(no subject)", subject_terms(query), 300),
                    mark(snippet) if snippet and snippet.strip() else Markup(escape(conv.preview or "")),
                    item_id,
                )
            )
        return SearchPage(hits, offset + limit if more else None)

    @staticmethod
    def _snippets(item_ids: list[int], marks: str) -> dict[int, str]:
        if not item_ids:
            return {}
        if not marks:  # only from:/to: terms: the start of the text, nothing to mark
            return dict(
                db.session.execute(
                    select(ThreadItem.id, func.left(ThreadItem.text, 200)).where(ThreadItem.id.in_(item_ids))
                ).all()
            )
        headline = func.ts_headline(
            ENGLISH, func.translate(ThreadItem.text, ANGLES, STAND_INS), cast(bindparam("m", marks), TSQUERY), HEADLINE
        )
        back = str.maketrans(STAND_INS, ANGLES)
        return {
            item_id: fragment.translate(back)
            for item_id, fragment in db.session.execute(
                select(ThreadItem.id, headline).where(ThreadItem.id.in_(item_ids))
            ).all()
        }
