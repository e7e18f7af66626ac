"""Search across conversations: a small query language parsed once, and a backend per database.

Query syntax: words and "quoted phrases" (a trailing * makes a word a prefix; Korean, Japanese and
Chinese words are always prefixes, so "배송" finds "배송이 늦어요": inbox.cjk), OR between
alternatives (`refund OR chargeback`; all other words must all match), plus
  from: to: subject:          matched in the full-text index (addresses, names, subject)
  tag: status: mailbox:       conversation filters (mailbox by name or email)
  assignee:me|none|<name or email>
  before:/after:YYYY-MM-DD    message date when there are words, else last activity

SqliteFtsSearch reads the FTS5 table that migration 0005 keeps in sync with triggers (English
stemming: "refund" also finds "refunded");
PgFtsSearch (search_pg.py) reads the tsvector column that migration 0006 adds on PostgreSQL;
SqlSearch is the portable fallback (LIKE) for any other database.
All return the same SearchPage, newest activity first, already limited to what the user may see.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from markupsafe import Markup, escape
from sqlalchemy import and_, column, func, or_, select, table, text

from . import access
from .cjk import has_cjk
from .extensions import db
from .i18n import gettext as _
from .models import STATUSES, Conversation, Mailbox, Tag, ThreadItem, User, conversation_tag

TEXT_FIELDS = {"from": "sender", "to": "recipients", "subject": "subject"}
FILTER_FIELDS = {"tag", "status", "assignee", "mailbox", "before", "after"}
ITEM_FTS = table("item_fts", column("rowid"))
HL_OPEN, HL_CLOSE = "\ue000", "\ue001"  # private-use markers: cannot occur in escaped mail text


@dataclass
class Query:
    # alternatives joined by OR; each is a list of (column, text, prefix) terms that must all match
    groups: list[list[tuple[str | None, str, bool]]] = field(default_factory=lambda: [[]])
    tags: list[str] = field(default_factory=list)
    status: str | None = None
    assignee: str | None = None
    mailbox: str | None = None
    before: datetime | None = None
    after: datetime | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def terms(self) -> list[tuple[str | None, str, bool]]:
        return [term for group in self.groups for term in group]

    @property
    def empty(self) -> bool:
        return not (
            self.terms or self.tags or self.status or self.assignee or self.mailbox or self.before or self.after
        )


@dataclass
class Hit:
    conversation: Conversation
    subject: Markup
    snippet: Markup
    item_id: int | None = None


@dataclass
class SearchPage:
    hits: list[Hit]
    next_offset: int | None


def _split(raw: str) -> list[str]:
    try:
        lexer = shlex.shlex(raw, posix=True)
        lexer.whitespace_split = True
        lexer.commenters = ""
        return list(lexer)
    except ValueError:  # an unbalanced quote: take the words as they are
        return raw.replace('"', " ").split()


def _date(value: str) -> datetime | None:
    try:
        return datetime.strptime(value, "%Y-%m-%d")
    except ValueError:
        return None


_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def parse(raw: str) -> Query:
    query = Query()
    # a NUL made SQLite's FTS5 fail ("unterminated string"): control characters are never search terms
    raw = _CONTROLS.sub(" ", raw or "")
    for token in _split(raw):
        if token == "OR":
            if query.groups[-1]:
                query.groups.append([])
            continue
        name, sep, value = token.partition(":")
        name = name.lower()
        if sep and value and (name in TEXT_FIELDS or name in FILTER_FIELDS):
            if name in TEXT_FIELDS:
                query.groups[-1].append((TEXT_FIELDS[name], value, has_cjk(value)))
            elif name == "tag":
                query.tags.append(value.lower())
            elif name == "status":
                if value.lower() in STATUSES:
                    query.status = value.lower()
                else:
                    query.errors.append(_("status: is one of %(choices)s", choices=", ".join(STATUSES)))
            elif name in ("before", "after"):
                day = _date(value)
                if day is None:
                    query.errors.append(_("%(operator)s: needs a date like 2024-05-31", operator=name))
                elif name == "before":
                    query.before = day
                else:
                    query.after = day + timedelta(days=1)  # after: a day means from the next day on
            else:
                setattr(query, name, value)
        else:
            prefix = token.endswith("*") and len(token) > 1
            word = token.rstrip("*") if prefix else token
            if word.strip():
                # Korean particles follow the word ("배송이 늦어요"): a CJK word matches as a prefix
                query.groups[-1].append((None, word, prefix or has_cjk(word)))
    query.groups = [g for g in query.groups if g] or [[]]
    return query


def fts_expression(groups: list[list[tuple[str | None, str, bool]]]) -> str:
    """Every user term becomes a quoted FTS5 string, so no input is ever read as FTS syntax."""
    alternatives = []
    for group in groups:
        parts = []
        for field_name, value, prefix in group:
            quoted = '"' + value.replace('"', '""') + '"' + ("*" if prefix else "")
            parts.append(f"{field_name} : {quoted}" if field_name else quoted)
        alternatives.append("(" + " AND ".join(parts) + ")")
    return " OR ".join(alternatives)


def mark(fragment: str | None) -> Markup:
    """Escape the text, then turn our private markers into <mark>."""
    safe = str(escape(fragment or ""))
    return Markup(safe.replace(HL_OPEN, "<mark>").replace(HL_CLOSE, "</mark>"))


def _words_pattern(terms) -> re.Pattern | None:
    words = [re.escape(v) for _c, v, _p in terms if v.strip()]
    return re.compile("(" + "|".join(words) + ")", re.IGNORECASE) if words else None


def highlight_plain(value: str, terms, width: int = 180) -> Markup:
    """Fallback highlighting for backends without snippet(): a window around the first match."""
    value = " ".join((value or "").split())
    pattern = _words_pattern(terms)
    match = pattern.search(value) if pattern else None
    start = max(0, match.start() - width // 3) if match else 0
    window = value[start : start + width]
    window = ("…" if start else "") + window + ("…" if start + width < len(value) else "")
    if not pattern:
        return Markup(escape(window))
    return mark(pattern.sub(lambda m: HL_OPEN + m.group(0) + HL_CLOSE, window))


class SearchBackend:
    """What the web search needs. index() exists for backends that cannot use triggers."""

    def index(self, item: ThreadItem) -> None:  # pragma: no cover - trigger-based backends do nothing
        return None

    def search(self, query: Query, user: User, limit: int = 25, offset: int = 0) -> SearchPage:
        raise NotImplementedError

    # shared: the conversation-level filters every backend applies the same way
    def conversation_filters(self, stmt, query: Query, user: User, dated_column):
        stmt = access.visible(stmt, Conversation.mailbox_id, user=user)
        if query.status:
            stmt = stmt.where(Conversation.status == query.status)
        for tag in query.tags:
            stmt = stmt.where(
                Conversation.id.in_(
                    select(conversation_tag.c.conversation_id)
                    .join(Tag, Tag.id == conversation_tag.c.tag_id)
                    .where(Tag.name == tag)
                )
            )
        if query.assignee:
            who = query.assignee.lower()
            if who == "me":
                stmt = stmt.where(Conversation.assignee_id == user.id)
            elif who == "none":
                stmt = stmt.where(Conversation.assignee_id.is_(None))
            else:
                stmt = stmt.where(
                    Conversation.assignee_id.in_(
                        select(User.id).where(
                            or_(
                                func.lower(User.email) == who,
                                func.lower(User.name).like(f"%{_like(who)}%", escape="\\"),
                            )
                        )
                    )
                )
        if query.mailbox:
            box = query.mailbox.lower()
            stmt = stmt.where(
                Conversation.mailbox_id.in_(
                    select(Mailbox.id).where(or_(func.lower(Mailbox.name) == box, func.lower(Mailbox.email) == box))
                )
            )
        if query.before:
            stmt = stmt.where(dated_column < query.before)
        if query.after:
            stmt = stmt.where(dated_column >= query.after)
        return stmt.where(Conversation.merged_into_id.is_(None))

    def filters_only(self, query: Query, user: User, limit: int, offset: int) -> SearchPage:
        stmt = self.conversation_filters(select(Conversation), query, user, Conversation.last_activity_at)
        if not query.status:
            stmt = stmt.where(Conversation.status != "spam")
        stmt = (
            stmt.order_by(Conversation.last_activity_at.desc(), Conversation.id.desc()).offset(offset).limit(limit + 1)
        )
        convs = list(db.session.execute(stmt).unique().scalars())
        hits = [
            Hit(c, Markup(escape(c.subject or "(no subject)")), Markup(escape(c.preview or ""))) for c in convs[:limit]
        ]
        return SearchPage(hits, offset + limit if len(convs) > limit else None)


def subject_terms(query: Query):
    return [t for t in query.terms if t[0] in (None, "subject")]


def _like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class SqliteFtsSearch(SearchBackend):
    # matches are walked newest item first (FTS5 rowid order); a conversation appears once, at its
    # newest matching item. Snippets are made afterwards for the shown page only: snippet() on
    # every match would cost time in proportion to how common the word is.
    BATCH = 400

    def search(self, query: Query, user: User, limit: int = 25, offset: int = 0) -> SearchPage:
        if not query.terms:
            return self.filters_only(query, user, limit, offset)
        expr = fts_expression(query.groups)
        match = text("item_fts MATCH :expr").bindparams(expr=expr)
        seen: dict[int, int] = {}  # conversation id -> newest matching item id
        wanted = offset + limit + 1
        start = 0
        while len(seen) < wanted:
            stmt = (
                select(ThreadItem.id, ThreadItem.conversation_id)
                .select_from(ITEM_FTS.join(ThreadItem, ThreadItem.id == ITEM_FTS.c.rowid))
                .join(Conversation, Conversation.id == ThreadItem.conversation_id)
                .where(match, ThreadItem.type != "event")
            )
            stmt = self.conversation_filters(stmt, query, user, ThreadItem.date)
            if not query.status:
                stmt = stmt.where(Conversation.status != "spam")
            rows = db.session.execute(stmt.order_by(ITEM_FTS.c.rowid.desc()).offset(start).limit(self.BATCH)).all()
            for item_id, conv_id in rows:
                seen.setdefault(conv_id, item_id)
            if len(rows) < self.BATCH:
                break
            start += self.BATCH
        ordered = list(seen.items())[offset : offset + limit]
        item_ids = [item_id for _cid, item_id in ordered]
        snippets = dict(
            db.session.execute(
                select(ITEM_FTS.c.rowid, text(f"snippet(item_fts, 1, '{HL_OPEN}', '{HL_CLOSE}', '…', 24)"))
                .select_from(ITEM_FTS)
                .where(match, ITEM_FTS.c.rowid.in_(item_ids or [-1]))
            ).all()
        )
        convs = {
            c.id: c
            for c in db.session.execute(select(Conversation).where(Conversation.id.in_([cid for cid, _ in ordered])))
            .unique()
            .scalars()
        }
        hits = []
        for cid, item_id in ordered:
            conv, snippet = convs[cid], snippets.get(item_id)
            hits.append(
                Hit(
                    conv,
                    highlight_plain(conv.subject or "(no subject)", subject_terms(query), 300),
                    mark(snippet) if snippet and snippet.strip() else Markup(escape(conv.preview or "")),
                    item_id,
                )
            )
        return SearchPage(hits, offset + limit if len(seen) > offset + limit else None)


class SqlSearch(SearchBackend):
    """Portable LIKE search for databases without our FTS table. Correct, not fast."""

    COLUMNS = {
        "sender": (ThreadItem.from_name, ThreadItem.from_email),
        "subject": (ThreadItem.subject,),
        "recipients": (func.cast(ThreadItem.to, db.String), func.cast(ThreadItem.cc, db.String)),
        None: (ThreadItem.subject, ThreadItem.text, ThreadItem.from_name, ThreadItem.from_email),
    }

    def search(self, query: Query, user: User, limit: int = 25, offset: int = 0) -> SearchPage:
        if not query.terms:
            return self.filters_only(query, user, limit, offset)
        alternatives = []
        for group in query.groups:
            conds = []
            for field_name, value, _prefix in group:
                pattern = f"%{_like(value.lower())}%"
                conds.append(or_(*[func.lower(c).like(pattern, escape="\\") for c in self.COLUMNS[field_name]]))
            alternatives.append(and_(*conds))
        stmt = (
            select(ThreadItem.conversation_id, func.max(ThreadItem.id).label("item_id"))
            .join(Conversation, Conversation.id == ThreadItem.conversation_id)
            .where(or_(*alternatives), ThreadItem.type != "event")
            .group_by(ThreadItem.conversation_id)
        )
        stmt = self.conversation_filters(stmt, query, user, ThreadItem.date)
        if not query.status:
            stmt = stmt.where(Conversation.status != "spam")
        rows = db.session.execute(stmt.order_by(func.max(ThreadItem.id).desc()).offset(offset).limit(limit + 1)).all()
        items = {
            i.id: i
            for i in db.session.execute(select(ThreadItem).where(ThreadItem.id.in_([r.item_id for r in rows])))
            .unique()
            .scalars()
        }
        hits = []
        for conv_id, item_id in rows[:limit]:
            item = items[item_id]
            conv = db.session.get(Conversation, conv_id)
            hits.append(
                Hit(
                    conv,
                    highlight_plain(conv.subject or "(no subject)", subject_terms(query), 300),
                    highlight_plain(item.text or "", query.terms),
                    item_id,
                )
            )
        return SearchPage(hits, offset + limit if len(rows) > limit else None)


def backend() -> SearchBackend:
    """Chosen by dialect, once per app: FTS5 or tsvector when the index exists, else portable SQL."""
    chosen = current_app.extensions.get("inbox_search")
    if chosen is None:
        engine = db.engine
        chosen = SqlSearch()
        if engine.dialect.name == "sqlite":
            with engine.connect() as conn:
                if conn.exec_driver_sql(
                    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'item_fts'"
                ).first():
                    chosen = SqliteFtsSearch()
        elif engine.dialect.name == "postgresql":
            from .search_pg import PgFtsSearch, has_vector  # noqa: PLC0415  cycle: search_pg imports search

            with engine.connect() as conn:
                if has_vector(conn):
                    chosen = PgFtsSearch()
        current_app.extensions["inbox_search"] = chosen
    return chosen


def search(raw: str, user: User, limit: int = 25, offset: int = 0) -> tuple[Query, SearchPage]:
    query = parse(raw)
    if query.empty:
        return query, SearchPage([], None)
    return query, backend().search(query, user, limit=limit, offset=offset)
