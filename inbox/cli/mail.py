"""`inbox fetch`, `inbox export`, `inbox worker`: the mail pipeline from the command line."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..i18n import gettext as _
from ..i18n import ngettext
from ..mail.inbound.imap_client import ImapError
from ..mail.inbound.ingest import Stats
from ..mail.inbound.sync import make_owner, sync_mailbox
from ..models import Conversation, Mailbox, ThreadItem
from ..worker import Worker


def _mailboxes(name: str | None):
    if name:
        mb = db.session.execute(select(Mailbox).where(Mailbox.name == name)).scalar_one_or_none()
        if mb is None:
            mb = db.session.execute(select(Mailbox).where(Mailbox.email == name.lower())).scalar_one_or_none()
        if mb is None:
            raise click.ClickException(_("unknown mailbox '%(name)s'", name=name))
        return [mb]
    return list(db.session.execute(select(Mailbox).where(Mailbox.active.is_(True)).order_by(Mailbox.id)).scalars())


class _Progress:
    """click.progressbar on stderr, created once the number of messages is known."""

    def __init__(self, label: str):
        self.label, self.bar, self.total = label, None, 0

    def __call__(self, total=None, step=0):
        if total is not None:
            self.close()
            self.total = total
            self.bar = click.progressbar(length=max(total, 1), label=self.label, file=sys.stderr)
            self.bar.__enter__()
        elif self.bar is not None:
            self.bar.update(step)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


@click.command("fetch")
@click.option("--mailbox", "mailbox_name", help="Only this mailbox (name or address).")
@click.option("--history", is_flag=True, help="Import all mail, not only recent; sends no notifications.")
@with_appcontext
def fetch_cmd(mailbox_name: str | None, history: bool) -> None:
    """One sync pass over every active mailbox (or one): new mail becomes conversations."""

    stats, owner, busy = Stats(), make_owner(), []
    for mb in _mailboxes(mailbox_name):
        progress = _Progress(f"{mb.name}") if history else None
        try:
            _stats, skipped = sync_mailbox(mb, owner=owner, history=history, stats=stats, progress=progress)
        except ImapError as exc:
            raise click.ClickException(str(exc)) from None
        finally:
            if progress:
                progress.close()
        busy += [f"{mb.name}/{f}" for f in skipped]
    line = stats.line()
    if busy:
        line = _("%(stats)s; skipped (another worker is on them): %(folders)s", stats=line, folders=", ".join(busy))
    click.echo(line)


@click.command("export")
@click.option("--mailbox", "mailbox_name", help="Only this mailbox (name or address).")
@click.option("--output", type=click.Path(dir_okay=False, writable=True), help="File to write (default: stdout).")
@with_appcontext
def export_cmd(mailbox_name: str | None, output: str | None) -> None:
    """Every conversation as JSON Lines, one conversation per line."""
    boxes = _mailboxes(mailbox_name)
    try:
        out = open(output, "w", encoding="utf-8") if output else sys.stdout
    except OSError as exc:
        raise click.ClickException(_("cannot write %(file)s: %(reason)s", file=output, reason=exc.strerror)) from None
    count = 0
    try:
        for row in conversations_as_dicts([mb.id for mb in boxes]):
            out.write(_json_line(row))
            count += 1
    finally:
        if output:
            out.close()
    if output:
        click.echo(
            ngettext(
                "%(num)d conversation written to %(file)s",
                "%(num)d conversations written to %(file)s",
                count,
                file=output,
            ),
            err=True,
        )


# Characters that end a line for many readers (Python's splitlines, JavaScript) but that JSON
# leaves raw: escaped, so one conversation is always one line whatever the mail contained.
_LINE_BREAKERS = {"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def _json_line(row: dict) -> str:
    text = json.dumps(row, ensure_ascii=False)
    for ch, escaped in _LINE_BREAKERS.items():
        if ch in text:
            text = text.replace(ch, escaped)
    return text + "\n"


def _person(name, email) -> dict:
    return {"name": name or "", "email": email or ""}


def _message(item) -> dict:
    return {
        "type": item.type,
        "message_id": item.message_id,
        "from": _person(item.from_name, item.from_email),
        "to": [_person(a.get("name"), a.get("email")) for a in item.to or []],
        "cc": [_person(a.get("name"), a.get("email")) for a in item.cc or []],
        "subject": item.subject,
        "date": item.date.isoformat() if item.date else None,
        "text": item.text,
        "html": item.html,
        "attachments": [
            {"filename": a.filename, "content_type": a.content_type, "size": a.size, "content_id": a.content_id}
            for a in item.attachments
        ],
        "is_auto_reply": bool(item.is_auto_reply),
        "is_bounce": bool(item.is_bounce),
        "is_bulk": bool(item.is_bulk),
        "parse_error": item.parse_error,
    }


def conversations_as_dicts(mailbox_ids: list[int], page: int = 200) -> Iterator[dict]:
    """Conversations in number order, loaded a page at a time so memory stays flat."""

    last = 0
    while True:
        convs = (
            db.session.execute(
                select(Conversation)
                .where(Conversation.mailbox_id.in_(mailbox_ids), Conversation.number > last)
                .order_by(Conversation.number)
                .limit(page)
                .options(selectinload(Conversation.items).selectinload(ThreadItem.attachments))
            )
            .scalars()
            .all()
        )
        if not convs:
            return
        for conv in convs:
            customer = conv.customer
            yield {
                "number": conv.number,
                "mailbox": conv.mailbox.name,
                "subject": conv.subject,
                "status": conv.status,
                "automated": bool(conv.automated),
                "customer": {
                    "name": customer.name if customer else None,
                    "emails": [e.email for e in customer.emails] if customer else [],
                },
                "tags": [t.name for t in conv.tags],
                "messages": [
                    _message(i) for i in conv.items if i.type in ("customer", "reply", "auto_reply", "forward")
                ],
            }
            last = conv.number
        db.session.expunge_all()


@click.command("worker")
@with_appcontext
def worker_cmd() -> None:
    """Run until stopped: IDLE/poll every mailbox, send the outbox, wake snoozed conversations, plugin jobs."""

    Worker(current_app._get_current_object()).run_forever()


def register(cli: click.Group) -> None:
    cli.add_command(fetch_cmd)
    cli.add_command(export_cmd)
    cli.add_command(worker_cmd)
