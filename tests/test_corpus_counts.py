"""Nothing is hidden: every corpus goes through a real Dovecot and the normal sync, and for each one
messages fetched = messages an agent sees on a conversation page = messages in `inbox export`."""

from __future__ import annotations

import json

import pytest
from conversation_helpers import make_user
from corpus_sources import corpora
from sqlalchemy import func, select
from test_sync import sync

from inbox.extensions import db
from inbox.mail.parse import dedup_key, parse_message
from inbox.models import Conversation, RawMessage, ThreadItem
from inbox.testing.helpers import login

CORPORA = corpora()


@pytest.mark.parametrize("corpus", sorted(CORPORA))
def test_fetched_equals_visible_equals_exported(app, client, mailbox, dovecot, imap_account, tmp_path, corpus):
    user, _ = imap_account
    raws = [path.read_bytes() for _ident, path in CORPORA[corpus]]
    with dovecot.client(user) as imap:
        for raw in raws:
            imap.append("INBOX", raw)
    stats = sync(mailbox, history=True)
    distinct = len({dedup_key(raw, parse_message(raw).message_id) for raw in raws})
    assert stats.fetched == len(raws)
    assert stats.duplicates == len(raws) - distinct  # byte-identical copies are stored once, on purpose
    stored = db.session.execute(
        select(func.count()).select_from(RawMessage).where(RawMessage.mailbox_id == mailbox.id)
    ).scalar_one()
    assert stored == distinct

    # visible: every stored message is an item on a conversation page an agent of this mailbox opens
    items = db.session.execute(
        select(ThreadItem.id, Conversation.number)
        .join(Conversation, Conversation.id == ThreadItem.conversation_id)
        .where(Conversation.mailbox_id == mailbox.id, ThreadItem.raw_message_id.is_not(None))
    ).all()
    agent = make_user("Corpus Agent", mailboxes=[mailbox])
    login(client, agent)
    seen = 0
    by_conv: dict[int, list[int]] = {}
    for item_id, number in items:
        by_conv.setdefault(number, []).append(item_id)
    for number, ids in by_conv.items():
        page = client.get(f"/conversations/{number}")
        assert page.status_code == 200, number
        html = page.get_data(as_text=True)
        seen += sum(f'id="item-{i}"' in html for i in ids)
    assert len(items) == seen == distinct, f"{distinct - seen} of {distinct} messages are not visible"

    out = tmp_path / "export.jsonl"
    result = app.test_cli_runner().invoke(args=["export", "--mailbox", mailbox.name, "--output", str(out)])
    assert result.exit_code == 0, result.output
    exported = sum(len(json.loads(line)["messages"]) for line in out.read_text().splitlines())
    assert exported == distinct
    print(f"\n{corpus}: {len(raws)} fetched, {distinct} distinct, {seen} visible, {exported} exported")
