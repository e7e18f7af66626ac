"""Saved replies to and from JSON, attachments included (base64), for backups and moving installs.

Mailboxes are named by address, not id, so a file from one install imports into another.
Importing the same file twice adds nothing the second time.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from inbox.extensions import db
from inbox.models import Mailbox, User

from . import service
from .i18n import _
from .models import SavedReply

FORMAT = "inbox-saved-replies"
VERSION = 1


def export(user: User, scopes: set[str] | None = None) -> dict[str, Any]:
    """Every reply user may see (optionally only some scopes), as a JSON-ready dict."""
    from inbox import storage

    stmt = db.select(SavedReply).where(service.visible_filter(user)).order_by(SavedReply.folder, SavedReply.title)
    replies = []
    for reply in db.session.execute(stmt).scalars():
        if scopes and reply.scope not in scopes:
            continue
        mailbox = db.session.get(Mailbox, reply.mailbox_id) if reply.mailbox_id else None
        replies.append(
            {
                "title": reply.title,
                "folder": reply.folder,
                "body": reply.body,
                "body_format": reply.body_format,
                "scope": reply.scope,
                "mailbox": mailbox.email if mailbox else None,
                "usage_count": reply.usage_count,
                "attachments": [
                    {
                        "filename": a.filename,
                        "content_type": a.content_type,
                        "data": base64.b64encode(storage.read(a.sha256)).decode("ascii"),
                    }
                    for a in reply.attachments
                ],
            }
        )
    return {"format": FORMAT, "version": VERSION, "replies": replies}


def _same(reply: SavedReply, entry: dict, mailbox_id: int | None, owner_id: int | None) -> bool:
    return (
        reply.title == entry["title"]
        and reply.body == entry["body"]
        and reply.scope == entry["scope"]
        and reply.folder == entry["folder"]
        and reply.mailbox_id == mailbox_id
        and (reply.scope != "personal" or reply.owner_id == owner_id)
    )


def import_(user: User, document: Any) -> tuple[int, int, list[str]]:
    """(added, skipped as already present, problems). Entries the user may not create are problems."""
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise service.ReplyError(
            _("This is not a saved-replies export (format %(format)s expected).", format=repr(FORMAT))
        )
    if not isinstance(document.get("replies"), list):
        raise service.ReplyError(_("The file has no list of replies."))
    added, skipped, problems = 0, 0, []
    for n, raw in enumerate(document["replies"], 1):
        try:
            entry = _entry(raw)
            mailbox_id = None
            if entry["scope"] == "mailbox":
                mailbox = db.session.execute(db.select(Mailbox).where(Mailbox.email == entry["mailbox"])).scalar()
                # a mailbox hidden from the user (one they may not keep replies in: the same rule)
                # answers exactly like one that does not exist, so an import cannot tell an agent
                # which addresses other desks use (finding 18)
                if mailbox is None or not service.may_create(user, "mailbox", mailbox.id):
                    raise service.ReplyError(_("no mailbox %(address)s here", address=repr(entry["mailbox"])))
                mailbox_id = mailbox.id
            # only replies the user can see count as "already here": the count must not reveal others
            existing = db.session.execute(
                db.select(SavedReply).where(SavedReply.title == entry["title"], service.visible_filter(user))
            ).scalars()
            if any(_same(r, entry, mailbox_id, user.id) for r in existing):
                skipped += 1
                continue
            with db.session.begin_nested():
                reply = service.create(
                    user,
                    service.ReplyData(
                        title=entry["title"],
                        body=entry["body"],
                        body_format=entry["body_format"],
                        scope=entry["scope"],
                        mailbox_id=mailbox_id,
                        folder=entry["folder"],
                    ),
                )
                for att in entry["attachments"]:
                    service.add_attachment(user, reply, att["filename"], att["content_type"], att["data"])
            added += 1
        except (service.ReplyError, KeyError, TypeError, ValueError, binascii.Error) as exc:
            title = raw.get("title") if isinstance(raw, dict) else None
            problems.append(
                _("reply %(n)s (%(title)s): %(problem)s", n=n, title=title, problem=exc)
                if title
                else _("reply %(n)s: %(problem)s", n=n, problem=exc)
            )
    return added, skipped, problems


def _entry(raw: Any) -> dict:
    if not isinstance(raw, dict):
        raise service.ReplyError(_("not an object"))
    atts = []
    for att in raw.get("attachments") or []:
        atts.append(
            {
                "filename": str(att["filename"]),
                "content_type": str(att.get("content_type") or ""),
                "data": base64.b64decode(att["data"], validate=True),
            }
        )
    return {
        "title": str(raw["title"]),
        "body": str(raw.get("body") or ""),
        "body_format": str(raw.get("body_format") or "markdown"),
        "scope": str(raw.get("scope") or "personal"),
        "folder": str(raw.get("folder") or "").strip().strip("/"),
        "mailbox": raw.get("mailbox"),
        "attachments": atts,
    }
