"""Managing saved replies: list with folders, create, edit, duplicate, delete, attachments,
import/export, and "save this sent reply". Every route checks the reply against the user."""

from __future__ import annotations

import json
import os

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required

from inbox import access
from inbox.extensions import db
from inbox.models import Mailbox, ThreadItem

from . import service, transfer
from .i18n import _, ngettext
from .models import FORMATS, SCOPES, SavedReply

HERE = os.path.dirname(__file__)
bp = Blueprint(
    "saved_replies",
    __name__,
    url_prefix="/saved-replies",
    template_folder=os.path.join(HERE, "templates"),
    static_folder=os.path.join(HERE, "static"),
    static_url_path="/static",
)


def _user():
    return current_user._get_current_object()


def reply_or_404(reply_id: int, edit: bool = False) -> SavedReply:
    reply = service.get_visible(_user(), reply_id)
    if reply is None or (edit and not service.can_edit(_user(), reply)):
        abort(404)
    return reply


def _mailboxes() -> list[Mailbox]:
    stmt = access.visible(db.select(Mailbox).order_by(Mailbox.name), Mailbox.id)
    return list(db.session.execute(stmt).scalars())


@bp.get("/")
@login_required
def index():
    q = request.args.get("q", "")
    folder = request.args.get("folder")
    replies = service.search(_user(), q, folder=folder, limit=500)
    names = {m.id: m.name for m in _mailboxes()}
    return render_template(
        "saved_replies/index.html",
        replies=replies,
        q=q,
        folder=folder,
        folders=service.folders(_user()),
        mailbox_names=names,
        can_edit=lambda r: service.can_edit(_user(), r),
    )


def _form_data() -> service.ReplyData:
    mailbox_id = request.form.get("mailbox_id", type=int)
    return service.ReplyData(
        title=request.form.get("title", ""),
        body=request.form.get("body", ""),
        body_format=request.form.get("body_format", "markdown"),
        scope=request.form.get("scope", "personal"),
        mailbox_id=mailbox_id,
        folder=request.form.get("folder", ""),
    )


def _form(reply: SavedReply | None, data: service.ReplyData, error: str | None = None, status: int = 200):
    return render_template(
        "saved_replies/form.html",
        reply=reply,
        data=data,
        error=error,
        scopes=SCOPES,
        formats=FORMATS,
        mailboxes=_mailboxes(),
        folders=service.folders(_user()),
    ), status


def _save_uploads(reply: SavedReply) -> None:
    for upload in request.files.getlist("attachments"):
        if upload and upload.filename:
            service.add_attachment(_user(), reply, upload.filename, upload.mimetype, upload.read())


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    if request.method == "GET":
        data = service.ReplyData(title="", body="", folder=request.args.get("folder", ""))
        item_id = request.args.get("from_item", type=int)
        if item_id:
            data = _from_item(item_id)
        return _form(None, data)
    data = _form_data()
    try:
        reply = service.create(_user(), data)
        _save_uploads(reply)
    except service.ReplyError as exc:
        db.session.rollback()
        return _form(None, data, str(exc), 400)
    db.session.commit()
    flash(_("Saved reply “%(title)s” created.", title=reply.title), "success")
    return redirect(url_for(".index", folder=reply.folder or None))


def _from_item(item_id: int) -> service.ReplyData:
    """Prefill from a sent reply the agent may see (a 404 otherwise)."""
    item = db.session.get(ThreadItem, item_id)
    if item is None or item.type not in ("reply", "forward", "auto_reply", "note"):
        abort(404)
    conv = access.conversation_or_404(item.conversation_id)
    body = item.new_text or item.text or ""
    if item.html and not body.strip():
        from inbox.templating import html_to_text

        body = html_to_text(item.html)
    return service.ReplyData(title=(item.subject or conv.subject or _("Saved reply"))[:200], body=body.strip())


@bp.route("/<int:reply_id>/edit", methods=["GET", "POST"])
@login_required
def edit(reply_id: int):
    reply = reply_or_404(reply_id, edit=True)
    if request.method == "GET":
        return _form(
            reply,
            service.ReplyData(
                title=reply.title,
                body=reply.body,
                body_format=reply.body_format,
                scope=reply.scope,
                mailbox_id=reply.mailbox_id,
                folder=reply.folder,
            ),
        )
    data = _form_data()
    try:
        service.update(_user(), reply, data)
        _save_uploads(reply)
        for att_id in request.form.getlist("remove_attachment", type=int):
            att = next((a for a in reply.attachments if a.id == att_id), None)
            if att is not None:
                reply.attachments.remove(att)
    except service.ReplyError as exc:
        db.session.rollback()
        return _form(reply, data, str(exc), 400)
    db.session.commit()
    flash(_("Saved reply “%(title)s” updated.", title=reply.title), "success")
    return redirect(url_for(".index", folder=reply.folder or None))


@bp.post("/<int:reply_id>/duplicate")
@login_required
def duplicate(reply_id: int):
    copy = service.duplicate(_user(), reply_or_404(reply_id))
    db.session.commit()
    flash(_("Duplicated as “%(title)s”.", title=copy.title), "success")
    return redirect(url_for(".edit", reply_id=copy.id))


@bp.post("/<int:reply_id>/delete")
@login_required
def delete(reply_id: int):
    reply = reply_or_404(reply_id, edit=True)
    title = reply.title
    service.delete(_user(), reply)
    db.session.commit()
    flash(_("Saved reply “%(title)s” deleted.", title=title), "success")
    return redirect(url_for(".index"))


@bp.get("/<int:reply_id>/attachments/<int:att_id>")
@login_required
def attachment(reply_id: int, att_id: int):
    from io import BytesIO

    from inbox import storage

    reply = reply_or_404(reply_id)
    att = next((a for a in reply.attachments if a.id == att_id), None)
    if att is None:
        abort(404)
    # the type is whatever the uploader or an imported file said: never let a browser render it as ours
    resp = send_file(
        BytesIO(storage.read(att.sha256)),
        mimetype="application/octet-stream",
        as_attachment=True,
        download_name=att.filename,
    )
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return resp


@bp.get("/export.json")
@login_required
def export():
    scope = request.args.get("scope")
    document = transfer.export(_user(), {scope} if scope in SCOPES else None)
    return Response(
        json.dumps(document, indent=2, ensure_ascii=False),
        mimetype="application/json",
        headers={"Content-Disposition": 'attachment; filename="saved-replies.json"'},
    )


@bp.post("/import")
@login_required
def import_():
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(_("Choose a JSON file to import."), "error")
        return redirect(url_for(".index"))
    try:
        document = json.loads(upload.read().decode("utf-8"))
    except (
        json.JSONDecodeError
    ) as exc:  # the decoder's own wording ("Expecting property name...") means nothing to agents
        flash(
            _(
                "Nothing imported: %(file)s is not a JSON export (error at line %(line)s, column %(column)s).",
                file=upload.filename,
                line=exc.lineno,
                column=exc.colno,
            ),
            "error",
        )
        return redirect(url_for(".index"))
    except UnicodeDecodeError:
        flash(
            _(
                "Nothing imported: %(file)s is not a text file. Choose a JSON export of saved replies.",
                file=upload.filename,
            ),
            "error",
        )
        return redirect(url_for(".index"))
    try:
        added, skipped, problems = transfer.import_(_user(), document)
    except (ValueError, service.ReplyError) as exc:
        db.session.rollback()
        flash(_("Nothing imported: %(problem)s", problem=exc), "error")
        return redirect(url_for(".index"))
    db.session.commit()
    flash(
        ngettext(
            "Imported %(num)d saved reply; %(skipped)d were already here.",
            "Imported %(num)d saved replies; %(skipped)d were already here.",
            added,
            skipped=skipped,
        ),
        "success",
    )
    for problem in problems[:10]:
        flash(_("Skipped %(problem)s", problem=problem), "error")
    return redirect(url_for(".index"))


def last_reply_of(conversation, user) -> ThreadItem | None:
    """The newest reply the user sent in this conversation (for "save as saved reply")."""
    return db.session.execute(
        db.select(ThreadItem)
        .where(
            ThreadItem.conversation_id == conversation.id, ThreadItem.type == "reply", ThreadItem.author_id == user.id
        )
        .order_by(ThreadItem.id.desc())
        .limit(1)
    ).scalar()
