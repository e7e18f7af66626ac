"""Fetched bytes -> stored rows, exactly once, with the hooks around them.

A batch of messages is stored in one transaction together with the folder's new last_uid, so a
crash anywhere leaves either all of a batch or none of it. The unique (mailbox_id, dedup_key) on
RawMessage is the final guard: when a batch hits it (a racing process, a re-delivered copy) the
batch is rolled back and stored message by message, each duplicate skipped on its own.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Callable

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import lazyload

from ... import conversations
from ...customers import customer_for, customers_for
from ...extensions import db
from ...models import Conversation, CustomerEmail, Mailbox, RawMessage, ThreadItem, User, utcnow
from ...plugin_host import host
from ...plugin_types import IncomingDecision
from ...sanitize import prepare_email_html
from ...storage import store
from ..parse import ParsedMessage, dedup_key, parse_message
from ..parse.classify import is_automated
from . import thread_match
from .rows import Pending, RowBuffer, hook_item

log = logging.getLogger("inbox.ingest")
MAX_REFS = 50  # hostile mail can carry thousands of References


@dataclass
class Stats:
    fetched: int = 0
    new_conversations: int = 0
    added: int = 0
    duplicates: int = 0
    failed_parse: int = 0
    dropped: int = 0

    def merge(self, other: Stats) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def line(self) -> str:
        text = (
            f"{self.fetched} messages fetched, {self.new_conversations} new conversations, "
            f"{self.added} added to existing ones, {self.duplicates} duplicates skipped, "
            f"{self.failed_parse} failed to parse"
        )
        return text + (f", {self.dropped} dropped" if self.dropped else "")


class LeaseLost(Exception):
    """Another worker took over this folder; stop without committing."""


@dataclass
class Fetched:
    uid: int | None
    raw: bytes
    parsed: ParsedMessage
    key: str


def prepare(uid: int | None, raw: bytes) -> Fetched:
    parsed = parse_message(raw)
    return Fetched(uid, raw, parsed, dedup_key(raw, parsed.message_id))


def _unreadable(raw: bytes, exc: BaseException, message_id: str | None) -> ParsedMessage:
    text = raw.decode("utf-8", "replace")[:200_000]
    return ParsedMessage(
        message_id=message_id,
        subject="(message could not be read)",
        text=text,
        new_text=text,
        parse_error=f"ingest failed: {type(exc).__name__}: {exc}"[:2000],
    )


def preview_of(p: ParsedMessage) -> str:
    text = p.new_text or p.text or ""
    short = " ".join(text[:2000].split())[:200]  # not the whole of a long mail: only 200 chars are kept
    return short if len(short) == 200 or len(text) <= 2000 else " ".join(text.split())[:200]


_DIAG = re.compile(rb"^Diagnostic-Code:\s*(?:smtp;\s*)?(.+(?:\r?\n[ \t].+)*)", re.I | re.M)
_STATUS = re.compile(rb"^Status:\s*([245]\.\d{1,3}\.\d{1,3})", re.I | re.M)


def bounce_reason(raw: bytes, p: ParsedMessage) -> str:
    m = _DIAG.search(raw)
    if m:
        return " ".join(m.group(1).decode("utf-8", "replace").split())[:300]
    m = _STATUS.search(raw)
    if m:
        return f"delivery failed (status {m.group(1).decode()})"
    for line in (p.text or "").splitlines():
        if line.strip():
            return line.strip()[:300]
    return "delivery failed"


class Ingestor:
    """Stores messages of one mailbox folder; caches look-ups across the batches of one pass."""

    def __init__(
        self,
        mailbox: Mailbox,
        folder: str,
        uidvalidity: int | None,
        history: bool = False,
        stats: Stats | None = None,
        advance: Callable[[int], None] | None = None,
    ):
        self.mailbox, self.mailbox_id = mailbox, mailbox.id
        self.folder, self.uidvalidity, self.history = folder, uidvalidity, history
        self.stats = stats if stats is not None else Stats()
        self.advance = advance
        self.closed_policy = mailbox.closed_policy or "reopen"
        self.closed_days = mailbox.closed_policy_days or 0
        self.ours: set[str] = set()
        for mb in db.session.execute(select(Mailbox)).scalars():
            self.ours |= mb.addresses
        self.users = {e.lower(): i for i, e in db.session.execute(select(User.id, User.email)).all()}
        self.rows = RowBuffer(self.mailbox_id)
        self._received: bool | None = None
        self.reset()

    def reset(self) -> None:
        """After a rollback, what was learned in the failed transaction may be wrong."""
        self.index = thread_match.ThreadIndex(self.mailbox_id)
        self.customers: dict[str, int] = {}
        self.numbers = conversations.Numbers()
        self.after: list[tuple[str, Conversation, Pending]] = []
        self.convs: dict[int, Conversation] = {}
        self.rows.clear()

    # --- transactions -----------------------------------------------------------------------

    def store(self, batch: list[Fetched], upto: int | None = None) -> None:
        """Store a batch atomically (and move last_uid to upto); on conflict, one message at a time."""
        for attempt in range(4):
            try:
                self._store_batch(batch, upto)
                return
            except LeaseLost:
                db.session.rollback()
                raise
            except OperationalError as exc:  # SQLite busy beyond busy_timeout: try the batch again
                db.session.rollback()
                self.reset()
                log.warning("batch retry after database error: %s", exc.orig)
                time.sleep(0.2 * (attempt + 1))
            except Exception as exc:  # a duplicate or a bad message: isolate it
                db.session.rollback()
                self.reset()
                if not isinstance(exc, IntegrityError):
                    log.warning("batch failed (%s: %s); storing one by one", type(exc).__name__, exc)
                break
        for f in batch:
            self._store_single(f)
        if upto is not None and self.advance:
            self.advance(upto)
            db.session.commit()

    def _store_batch(self, batch: list[Fetched], upto: int | None) -> None:
        local = Stats()
        self.numbers.forget()
        with db.session.no_autoflush:
            if upto is not None and self.advance:
                self.advance(upto)  # first statement: takes SQLite's write lock before any read
            keys = {f.key for f in batch}
            existing = set(
                db.session.execute(
                    select(RawMessage.dedup_key).where(
                        RawMessage.mailbox_id == self.mailbox_id, RawMessage.dedup_key.in_(keys)
                    )
                ).scalars()
            )
            self._prefetch(batch)
            for f in batch:
                local.fetched += 1
                if f.key in existing:
                    local.duplicates += 1
                    continue
                existing.add(f.key)
                self._store_one(f, local)
            self.rows.flush()
        db.session.commit()
        self.stats.merge(local)
        self._fire_after()

    def _store_single(self, f: Fetched) -> None:
        for attempt in range(5):
            local = Stats()
            self.numbers.forget()
            try:
                with db.session.no_autoflush:
                    if f.uid is not None and self.advance:
                        self.advance(f.uid)
                    local.fetched += 1
                    if db.session.execute(
                        select(RawMessage.id).where(
                            RawMessage.mailbox_id == self.mailbox_id, RawMessage.dedup_key == f.key
                        )
                    ).first():
                        local.duplicates += 1
                    else:
                        self._prefetch([f])
                        self._store_one(f, local)
                    self.rows.flush()
                db.session.commit()
                self.stats.merge(local)
                self._fire_after()
                return
            except LeaseLost:
                db.session.rollback()
                raise
            except (IntegrityError, OperationalError) as exc:  # a racing writer: look again
                db.session.rollback()
                self.reset()
                log.info("retrying message uid %s after %s", f.uid, type(exc).__name__)
                time.sleep(0.05 * (attempt + 1))
            except Exception as exc:
                db.session.rollback()
                self.reset()
                if (f.parsed.parse_error or "").startswith("ingest failed"):
                    raise
                log.exception("message uid %s could not be stored; keeping it raw and flagged", f.uid)
                f = Fetched(f.uid, f.raw, _unreadable(f.raw, exc, f.parsed.message_id), f.key)
        raise RuntimeError(f"message uid {f.uid} in {self.folder} could not be stored after retries")

    def _settle(self) -> None:
        """After a commit: keep ids, not objects, so a long import does not hold every message in memory."""
        for table in (self.index.own, self.index.mentioned):
            for ref, conv in table.items():
                if isinstance(conv, Conversation):
                    table[ref] = conv.id
        self.index.numbers.clear()
        self.convs.clear()

    def _fire_after(self) -> None:
        pending, self.after = self.after, []
        for conv in {id(c): c for _, c, _ in pending}.values():
            if "items" in conv.__dict__:  # items went in through Core: a loaded list is stale
                db.session.expire(conv, ["items"])
        self._settle()
        hooked = {hook: self._hooked(hook, self.history) for hook in ("conversation_created", "customer_replied")}
        fired = False
        for hook, conv, entry in pending:
            if hooked[hook]:  # no enabled implementation: not even the item object is built
                host().call(hook, conversation=conv, item=hook_item(entry), history=self.history)
                fired = True
        if fired and (db.session.new or db.session.dirty):
            db.session.commit()

    @staticmethod
    def _hooked(hook: str, history: bool = False) -> bool:
        """Whether any enabled implementation wants this call. During a history import, one marked
        `skips_history` (it returns at once for history=True: core's webhooks) does not count, so
        a history import builds no hook items for it (the ingest bench's 1,000 msg/s depends on it)."""
        return any(not (history and getattr(impl.function, "skips_history", False)) for impl in host().impls(hook))

    # --- look-ups, one query per batch ------------------------------------------------------

    def _prefetch(self, batch: list[Fetched]) -> None:
        ids: set[str] = set()
        emails: set[str] = set()
        for f in batch:
            ids.update(f.parsed.all_refs[:MAX_REFS])
            if f.parsed.message_id:
                ids.add(f.parsed.message_id)
            email = self._customer_email(f.parsed)
            if email and email not in self.customers:
                emails.add(email)
        self.index.prefetch(ids)
        self._prefetch_conversations(ids)
        if emails:
            rows = db.session.execute(
                select(CustomerEmail.email, CustomerEmail.customer_id).where(CustomerEmail.email.in_(emails))
            ).all()
            self.customers.update({e: c for e, c in rows})
            missing = emails - set(self.customers)
            if missing:  # created together, one flush, so items can carry their ids
                self.customers.update(customers_for({e: self._name_for(batch, e) for e in missing}))

    def _prefetch_conversations(self, ids: set[str]) -> None:
        """The conversations this batch's references point at, in one query instead of one each."""
        wanted = set()
        for ref in ids:
            for conv in (self.index.own.get(ref), self.index.mentioned.get(ref)):
                if isinstance(conv, int) and conv not in self.convs:
                    wanted.add(conv)
        wanted = sorted(wanted)
        for start in range(0, len(wanted), 400):
            for conv in db.session.execute(
                select(Conversation).options(lazyload("*")).where(Conversation.id.in_(wanted[start : start + 400]))
            ).scalars():  # no joins: rarely read
                self.convs[conv.id] = conv

    @staticmethod
    def _name_for(batch: list[Fetched], email: str) -> str | None:
        for f in batch:
            if f.parsed.from_email == email and f.parsed.from_name:
                return f.parsed.from_name[:200]
            for name, addr in f.parsed.to:
                if addr == email and name:
                    return name[:200]
        return None

    def _customer_email(self, p: ParsedMessage) -> str | None:
        """Whose conversation this is: the sender, or for our own mail the first outside recipient."""
        if p.is_bounce:
            return None
        sender = (p.from_email or "").lower()
        if sender and sender not in self.ours:
            return sender
        for _name, addr in [*p.to, *p.cc]:
            if addr.lower() not in self.ours:
                return addr.lower()
        return None

    def _customer_id(self, p: ParsedMessage) -> int | None:
        email = self._customer_email(p)
        if not email:
            return None
        if email not in self.customers:  # not prefetched (should not happen): the safe service
            self.customers[email] = customer_for(email, p.from_name or None).id
        return self.customers[email]

    def _conversation(self, ref: int | Conversation) -> Conversation | None:
        if isinstance(ref, Conversation):
            return ref
        conv = self.convs.get(ref) or db.session.get(Conversation, ref)
        if conv is None:
            return None
        conv = thread_match.follow_merges(conv)
        self.convs[conv.id] = conv
        return conv

    # --- one message ------------------------------------------------------------------------

    def _store_one(self, f: Fetched, local: Stats) -> None:
        p = f.parsed
        now = utcnow()
        raw_row = {
            "mailbox_id": self.mailbox_id,
            "folder": self.folder,
            "uidvalidity": self.uidvalidity,
            "uid": f.uid,
            "message_id": (p.message_id or None) and p.message_id[:998],
            "dedup_key": f.key,
            "size": len(f.raw),
            "data": f.raw,
            "fetched_at": now,
            "dropped_reason": None,
        }
        if p.parse_error:
            local.failed_parse += 1
        decision = IncomingDecision()
        if self.received_hooked:
            host().call("message_received", message=p, mailbox=self.mailbox, decision=decision, history=self.history)
        if decision.drop_reason:
            raw_row["dropped_reason"] = str(decision.drop_reason)[:2000]
            self.rows.add(Pending(raw_row))
            local.dropped += 1
            return
        if p.is_bounce and p.bounced_message_ids and self._bounce(f, raw_row):
            local.added += 1
            return
        # a bounce of mail we did not send from here (a colleague's desktop client, a newsletter
        # tool using this address as its return path) still reaches an agent, below
        ours = (p.from_email or "").lower() in self.ours
        kind = "reply" if ours else "customer"
        when = min(p.date or now, now)
        match = thread_match.find(p, self.mailbox_id, self.index, self._participant)
        conv = self._conversation(match.conversation) if match and match.conversation is not None else None
        previous = None
        if conv is not None and conv.status == "closed" and kind == "customer" and not is_automated(p):
            if self.closed_policy == "new" or (
                self.closed_policy == "new_after_days"
                and conv.closed_at is not None
                and now - conv.closed_at > timedelta(days=self.closed_days)
            ):
                conv, previous = None, conv
        created = conv is None
        customer_id = self._customer_id(p)
        automated = kind == "customer" and is_automated(p)
        if created:
            # Started by a bounce/report/auto-reply: closed (no one's queue, no reopened counts),
            # in its own folder, searchable and exported like any other conversation.
            status = "spam" if decision.spam else "closed" if automated else "active"
            conv = Conversation(
                number=self.numbers.take(),
                mailbox_id=self.mailbox_id,
                subject=(p.subject or "")[:998],
                status=status,
                automated=automated,
                closed_at=when if status == "closed" else None,
                source="email",
                customer_id=customer_id,
                created_at=when,
                last_activity_at=when,
                previous_id=previous.id if previous else None,
            )
            db.session.add(conv)
            self.index.numbers[conv.number] = conv
        elif (
            match and match.how == "referenced_by" and kind == "customer" and conv.created_at and when < conv.created_at
        ):
            conv.subject, conv.created_at = (p.subject or "")[:998], when  # the original arrived late
        entry = self._item(p, kind, conv, raw_row, customer_id if kind == "customer" else None, when, now)
        self._touch(conv, p, kind, customer_id, when)
        self.index.add(conv.id or conv, p.message_id, p.all_refs[:MAX_REFS])
        if not created and kind == "customer" and conv.automated and not automated:
            conv.automated = False  # a person wrote in this thread: it is customer demand now
        if (
            not created
            and kind == "customer"
            and ((conv.status == "closed" and not automated) or conv.status == "pending")
        ):
            self.rows.flush()  # the status event must follow the message that caused it
            conversations.set_status(conv, "active", by=None)
        self._apply(decision, conv, created)
        if created and match is not None and match.how == "number_refused":
            self.rows.flush()  # the note follows the message, and needs the conversation's id
            conversations.record_event(conv, "number_refused", number=match.number, sender=(p.from_email or "")[:320])
        if created:
            local.new_conversations += 1
            self.after.append(("conversation_created", conv, entry))
        else:
            local.added += 1
            if kind == "customer":
                self.after.append(("customer_replied", conv, entry))

    def _participant(self, conv: int | Conversation, email: str) -> bool:
        """For a "[#N]" subject: our own addresses (copies of our mail) and people already in it."""
        if email in self.ours:
            return True
        self.rows.flush()  # the conversation may have been created (or written to) in this batch
        conv_id = conv.id if isinstance(conv, Conversation) else conv
        return thread_match.is_participant(conv_id, email)

    @property
    def received_hooked(self) -> bool:
        if self._received is None:  # asked once per pass: a host call per message adds up in a history import
            self._received = self._hooked("message_received")
        return self._received

    def _item(
        self,
        p: ParsedMessage,
        kind: str,
        conv: Conversation,
        raw_row: dict,
        customer_id: int | None,
        when: datetime,
        now: datetime,
    ) -> Pending:
        item = {
            "conversation_id": None,
            "raw_message_id": None,
            "type": kind,
            "customer_id": customer_id,
            "source": "email",
            "author_id": self.users.get((p.from_email or "").lower()) if kind == "reply" else None,
            "send_status": "sent" if kind == "reply" else None,
            "message_id": (p.message_id or None) and p.message_id[:998],
            "in_reply_to": p.in_reply_to[0][:998] if p.in_reply_to else None,
            "references": p.references[-MAX_REFS:],
            "from_name": (p.from_name or "")[:300] or None,
            "from_email": (p.from_email or None),
            "to": [{"name": n, "email": e} for n, e in p.to],
            "cc": [{"name": n, "email": e} for n, e in p.cc],
            "bcc": [],
            "subject": (p.subject or "")[:998],
            "date": p.date or when,
            "text": p.text or "",
            "html": p.html,
            "new_text": p.new_text,
            "quoted_text": p.quoted_text,
            "reply_to": [{"name": n, "email": e} for n, e in p.reply_to],
            **html_columns(p.html, raw_row["size"], p.html_prepared),
            "is_auto_reply": p.is_auto_reply,
            "is_bulk": p.is_bulk,
            "is_bounce": p.is_bounce,
            "parse_error": p.parse_error,
            "created_at": now,
        }
        attachments = [
            {
                "filename": (a.filename or "attachment")[:500],
                "content_type": (a.content_type or "")[:255],
                "size": a.size,
                "sha256": a.sha256 or store(a.data),
                "content_id": (a.content_id or None) and a.content_id[:500],
                "inline": bool(a.inline),
                "created_at": now,
            }
            for a in p.attachments
        ]
        refs = [(p.message_id[:998], True)] if p.message_id else []
        refs += [(ref[:998], False) for ref in p.all_refs[:MAX_REFS] if ref != p.message_id]
        return self.rows.add(Pending(raw_row, item, conv, refs, attachments))

    @staticmethod
    def _touch(conv: Conversation, p: ParsedMessage, kind: str, customer_id: int | None, when: datetime) -> None:
        if conv.last_activity_at is None or when > conv.last_activity_at:
            conv.last_activity_at = when
        if kind == "customer":
            if conv.last_customer_at is None or when >= conv.last_customer_at:
                conv.last_customer_at = when
                conv.preview = preview_of(p)
            if conv.customer_id is None:
                conv.customer_id = customer_id
        else:
            if not conv.preview:
                conv.preview = preview_of(p)
            if conv.first_response_at is None:
                conv.first_response_at = when

    def _apply(self, decision: IncomingDecision, conv: Conversation, created: bool) -> None:
        if not (decision.tags or decision.assign_to or (decision.spam and not created)):
            return
        self.rows.flush()  # events need the conversation's id, and follow the message
        if decision.spam and conv.status != "spam":
            conversations.set_status(conv, "spam", by=None)
        for tag in sorted(decision.tags):
            conversations.add_tag(conv, tag)
        if decision.assign_to:
            user = db.session.get(User, decision.assign_to)
            try:
                if user is not None:
                    conversations.assign(conv, user)
            except ValueError as exc:
                log.warning("plugin assignment ignored: %s", exc)

    def _bounce(self, f: Fetched, raw_row: dict) -> bool:
        p = f.parsed
        self.rows.flush()  # the bounced message may be earlier in this very batch
        target = db.session.execute(
            select(ThreadItem)
            .join(Conversation, Conversation.id == ThreadItem.conversation_id)
            .where(Conversation.mailbox_id == self.mailbox_id, ThreadItem.message_id.in_(p.bounced_message_ids[:20]))
            .order_by(ThreadItem.id.desc())
            .limit(1)
        ).scalar_one_or_none()
        if target is None:
            return False
        reason = bounce_reason(f.raw, p)
        target.bounced, target.bounce_reason = True, reason
        conv = self._conversation(target.conversation_id)
        now = utcnow()
        self._item(p, "customer", conv, raw_row, None, min(p.date or now, now), now)
        return True


def html_columns(html: str | None, size: int, prepared: tuple[str, bool] | None = None) -> dict:
    """The HTML body sanitised once, here, so no page view pays for it again (and bounded: a deeply
    nested mail cost a minute of CPU per view when it was sanitised on display)."""
    if not html:
        return {"html_clean": None, "html_limit": None}
    if size > int(current_app.config.get("MAX_MESSAGE_BYTES") or 0) > 0:
        return {"html_clean": None, "html_limit": "too_large"}  # shown as text; the original is downloadable
    # a parse worker may have done it already (inbound/pool.py), in parallel with the other messages
    cleaned, truncated = prepared or prepare_email_html(
        html, int(current_app.config.get("MAX_HTML_CHARS") or 1_500_000)
    )
    return {"html_clean": cleaned, "html_limit": "truncated" if truncated else None}


def history_days(mailbox: Mailbox) -> int:
    return int(mailbox.history_days or current_app.config.get("HISTORY_DAYS") or 14)
