"""The access rule lives in inbox/access.py only. Everything else (web faces, search, the core
plugin, bundled plugins) calls it, so the next change to the rule is made in one place.

The test reads the source: it fails when a module outside inbox/access.py (and the User model,
which holds the grants) asks a user for its mailbox ids, checks one mailbox itself, or writes the
SQL form of the rule (`<mailbox column>.in_(ids or [-1])`); and when a module writes its own
"conversation or 404" (a test on a mailbox id that aborts 404) instead of calling the service.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from sqlalchemy import select

from inbox import access
from inbox.extensions import db
from inbox.models import Conversation, Mailbox, User

ROOT = Path(__file__).resolve().parent.parent
ALLOWED = {Path("inbox/access.py"), Path("inbox/models/user.py")}
RULE_METHODS = {"visible_mailbox_ids", "can_see_mailbox"}


def _sources() -> list[Path]:
    files = [*ROOT.joinpath("inbox").rglob("*.py"), *ROOT.joinpath("plugins").rglob("*.py")]
    return [p for p in files if "tests" not in p.relative_to(ROOT).parts and "migrations" not in p.parts]


def _mailbox_column(node: ast.AST) -> bool:
    """`X.mailbox_id` or `Mailbox.id`: a column that names a mailbox."""
    return isinstance(node, ast.Attribute) and (
        node.attr == "mailbox_id"
        or (node.attr == "id" and isinstance(node.value, ast.Name) and node.value.id == "Mailbox")
    )


def _abort_404(node: ast.AST) -> bool:
    return any(
        isinstance(n, ast.Call)
        and isinstance(n.func, ast.Name)
        and n.func.id == "abort"
        and n.args
        and isinstance(n.args[0], ast.Constant)
        and n.args[0].value == 404
        for n in ast.walk(node)
    )


def _mentions_mailbox(node: ast.AST) -> bool:
    return any(isinstance(n, ast.Attribute) and n.attr == "mailbox_id" for n in ast.walk(node))


def rule_copies(source: str) -> list[str]:
    """What in this module's source re-writes the access rule, as `line: what` strings."""
    found = []
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in RULE_METHODS:
                found.append(f"{node.lineno}: {node.func.attr}()")
            elif (
                node.func.attr == "in_"
                and _mailbox_column(node.func.value)
                and node.args
                and isinstance(node.args[0], ast.BoolOp)
            ):
                found.append(f"{node.lineno}: <mailbox>.in_(ids or [...])")
        if isinstance(node, ast.If) and _mentions_mailbox(node.test) and any(map(_abort_404, node.body)):
            found.append(f"{node.lineno}: decides by mailbox and aborts 404 itself")
    return found


def test_the_rule_is_written_only_in_inbox_access():
    offenders = {}
    for path in _sources():
        rel = path.relative_to(ROOT)
        if rel in ALLOWED:
            continue
        copies = rule_copies(path.read_text())
        if copies:
            offenders[str(rel)] = copies
    assert offenders == {}, "use inbox.access instead of re-writing the access rule"


@pytest.mark.parametrize(
    "snippet",
    [
        "ids = user.visible_mailbox_ids()",
        "ok = current_user.can_see_mailbox(conv.mailbox_id)",
        "q = q.where(Conversation.mailbox_id.in_(ids or [-1]))",
        "q = q.where(Mailbox.id.in_(allowed or [0]))",
        "c = db.session.get(Conversation, i)\nif c is None or c.mailbox_id not in allowed:\n    abort(404)",
    ],
)
def test_the_checker_catches_each_form_of_the_rule(snippet):
    assert rule_copies(snippet)


def test_the_checker_leaves_other_code_alone():
    assert rule_copies("rows = q.where(ITEM.c.rowid.in_(item_ids or [-1]))\nx = access.visible(q)") == []


def _agent(email: str, mailboxes: list[Mailbox]) -> User:
    user = User(email=email, name="Agent", role="agent")
    user.mailboxes = mailboxes
    db.session.add(user)
    db.session.flush()
    return user


def test_visible_and_may_see_follow_the_grants(app):
    mailbox = Mailbox(name="Support", email="support@example.test")
    other = Mailbox(name="Other", email="other@example.test")
    db.session.add_all([mailbox, other])
    db.session.flush()
    mine = Conversation(number=1, mailbox_id=mailbox.id, subject="mine")
    theirs = Conversation(number=2, mailbox_id=other.id, subject="theirs")
    db.session.add_all([mine, theirs])
    db.session.flush()
    agent = _agent("agent@example.test", [mailbox])
    admin = User(email="boss@example.test", name="Boss", role="admin")
    db.session.add(admin)
    db.session.flush()

    assert access.visible_mailbox_ids(agent) == {mailbox.id}
    assert access.visible_mailbox_ids(admin) is None
    seen = db.session.execute(access.visible(select(Conversation.number), user=agent)).scalars().all()
    assert seen == [1]
    assert sorted(db.session.execute(access.visible(select(Conversation.number), user=admin)).scalars()) == [1, 2]
    assert access.may_see_conversation(mine, agent) and not access.may_see_conversation(theirs, agent)
    assert not access.may_see_mailbox(None, admin)

    nobody = _agent("nobody@example.test", [])
    clause = access.mailbox_clause(Mailbox.id, nobody)  # no grants: matches nothing, valid SQL
    assert db.session.execute(select(Mailbox.id).where(clause)).all() == []
