"""Writing: replies, notes, forwards, undo-send, drafts, and new outbound conversations.

Forms post normally (the page works without JavaScript); conversation.js adds draft autosave and
collision heartbeats. A reply checks the ``last_item_id`` the page was rendered with: if someone
else's message or reply arrived since, the page comes back with status 409, the new items shown
first and the agent's text kept, and "Send anyway" re-posts with ``force``.
"""

from __future__ import annotations

from email.utils import getaddresses

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required

from .. import conversations, storage
from ..access import conversation_by_number_or_404, mailbox_or_404, visible
from ..addresses import is_address
from ..extensions import db
from ..i18n import gettext as _
from ..mail.outbound import outbox
from ..mail.outbound.compose import readable_address
from ..models import Attachment, Draft, Mailbox, ThreadItem, utcnow
from ..sanitize import format_text
from .conversation import thread_view
from .conversation.views import page_context
from .uploads import UploadError, read_uploads

bp = Blueprint("compose", __name__)
DRAFT_KINDS = ("reply", "note", "forward", "new")
STATUS_AFTER = ("", "closed", "pending")


def _addresses(raw: str | None) -> list[str]:
    """'Jensen, Carla <c@x>; b@y' -> ['"Jensen, Carla" <c@x>', 'b@y'] (quoted names keep their commas)."""
    out = []
    for name, addr in getaddresses([(raw or "").replace(";", ",")]):
        if addr or name:
            out.append(readable_address(name, addr) if name and addr else (addr or name))
    return out


def _bad_address(addrs: list[str]) -> str | None:
    for a in addrs:
        email = getaddresses([a])[0][1] if getaddresses([a]) else ""
        if not is_address(email):
            return a
    return None


def _clear_draft(conv_id: int | None, kind: str, mailbox_id: int | None = None) -> None:
    q = db.delete(Draft).where(Draft.user_id == current_user.id, Draft.kind == kind)
    q = q.where(Draft.conversation_id == conv_id) if conv_id else q.where(Draft.conversation_id.is_(None))
    db.session.execute(q)


def _rerender(conv, status: int, mode: str, errors: dict, news=()):
    form = {k: request.form.get(k, "") for k in ("text", "cc", "bcc", "to", "status_after")}
    return render_template(
        "conversation/show.html", **page_context(conv, mode=mode, form=form, errors=errors, news=list(news))
    ), status


@bp.post("/conversations/<int:number>/reply")
@login_required
def reply(number: int):
    conv = conversation_by_number_or_404(number)
    text = request.form.get("text", "")
    to, cc, bcc = (_addresses(request.form.get(k)) for k in ("to", "cc", "bcc"))
    status_after = request.form.get("status_after", "")
    errors = {}
    if not text.strip():
        errors["text"] = _("Write something before sending.")
    if bad := _bad_address(to + cc + bcc):
        errors["to"] = _("Check the recipients: “%(address)s” is not an email address.", address=bad)
    elif any(
        (request.form.get(k) or "").strip() and not parsed for k, parsed in (("to", to), ("cc", cc), ("bcc", bcc))
    ):
        errors["to"] = _("Check the recipients: an address could not be read.")
    if status_after not in STATUS_AFTER:
        errors["status_after"] = _("Choose a valid status.")
    try:
        files = read_uploads()
    except UploadError as exc:
        errors["attachments"], files = str(exc), []
    if errors:
        return _rerender(conv, 400, "reply", errors)
    seen = int(request.form.get("last_item_id") or 0) if (request.form.get("last_item_id") or "").isdigit() else 0
    news = thread_view.news_since(conv.id, seen, current_user)
    if news and not request.form.get("force"):
        return _rerender(conv, 409, "reply", {}, news)
    old_status = conv.status
    try:
        item = outbox.queue_reply(
            conv,
            current_user._get_current_object(),
            text,
            format_text(text),
            to=to or None,
            cc=cc,
            bcc=bcc,
            attachments=files,
            status_after=status_after or None,
        )
    except ValueError as exc:
        db.session.rollback()
        return _rerender(conv, 400, "reply", {"text": str(exc)})
    _clear_draft(conv.id, "reply")
    db.session.commit()
    if status_after and status_after != old_status:
        session.setdefault("undo_status", {})[str(item.id)] = old_status
        session.modified = True
    return redirect(url_for("conversation.show", number=conv.number) + f"#item-{item.id}")


@bp.post("/conversations/<int:number>/items/<int:item_id>/undo")
@login_required
def undo(number: int, item_id: int):
    """Stop a reply inside its undo window; its text goes back into the editor as the draft."""
    conv = conversation_by_number_or_404(number)
    item = db.session.get(ThreadItem, item_id)
    if item is None or item.conversation_id != conv.id or item.author_id != current_user.id or not item.is_outgoing:
        abort(404)
    kind = "forward" if item.type == "forward" else "reply"
    if not outbox.cancel(item):
        flash(_("Too late to undo: the message has already gone out."), "warning")
        return redirect(url_for("conversation.show", number=conv.number) + f"#item-{item.id}")
    old = session.get("undo_status", {}).pop(str(item.id), None)
    session.modified = True
    if old and conv.status != old:
        conversations.set_status(conv, old, by=current_user)
    _clear_draft(conv.id, kind)
    db.session.add(
        Draft(
            conversation_id=conv.id,
            user_id=current_user.id,
            kind=kind,
            body=item.new_text or "",
            to=[t.get("email") for t in item.to or [] if t.get("email")] if kind == "forward" else [],
            cc=[c.get("email") for c in item.cc or [] if c.get("email")],
            bcc=[b.get("email") for b in item.bcc or [] if b.get("email")],
        )
    )
    db.session.commit()
    if request.accept_mimetypes.best == "application/json":
        return jsonify(ok=True, text=item.new_text or "")
    flash(_("Sending cancelled. Your message is back in the editor."), "success")
    return redirect(url_for("conversation.show", number=conv.number, mode=kind) + "#editor")


@bp.post("/conversations/<int:number>/note")
@login_required
def note(number: int):
    conv = conversation_by_number_or_404(number)
    text = request.form.get("text", "")
    try:
        files = read_uploads()
    except UploadError as exc:
        return _rerender(conv, 400, "note", {"attachments": str(exc)})
    if not text.strip():
        return _rerender(conv, 400, "note", {"text": "A note cannot be empty."})
    item = conversations.add_note(conv, current_user._get_current_object(), text, html=format_text(text))
    for filename, content_type, data in files:
        item.attachments.append(
            Attachment(filename=filename, content_type=content_type, size=len(data), sha256=storage.store(data))
        )
    _clear_draft(conv.id, "note")
    db.session.commit()
    return redirect(url_for("conversation.show", number=conv.number) + f"#item-{item.id}")


@bp.post("/conversations/<int:number>/forward")
@login_required
def forward(number: int):
    conv = conversation_by_number_or_404(number)
    to = _addresses(request.form.get("to"))
    item = None
    if (request.form.get("item_id") or "").isdigit():
        item = db.session.get(ThreadItem, int(request.form["item_id"]))
        if item is None or item.conversation_id != conv.id or item.type == "note":
            abort(404)
    if not to or _bad_address(to):
        return _rerender(conv, 400, "forward", {"to": _("Enter the address to forward to.")})
    fwd = outbox.queue_forward(conv, current_user._get_current_object(), to, request.form.get("text", ""), item=item)
    _clear_draft(conv.id, "forward")
    db.session.commit()
    return redirect(url_for("conversation.show", number=conv.number) + f"#item-{fwd.id}")


def _save_draft(conv_id: int | None, mailbox_id: int | None):
    data = request.get_json(silent=True) or request.form
    kind = data.get("kind", "reply")
    if kind not in DRAFT_KINDS:
        abort(400)
    body = (data.get("body") or "")[:200_000]
    q = db.select(Draft).where(Draft.user_id == current_user.id, Draft.kind == kind)
    q = q.where(Draft.conversation_id == conv_id) if conv_id else q.where(Draft.conversation_id.is_(None))
    draft = db.session.execute(q).scalars().first()
    fields = {k: _addresses(data.get(k)) for k in ("to", "cc", "bcc")}
    if not body.strip() and not data.get("subject") and draft is not None:
        db.session.delete(draft)
        db.session.commit()
        return jsonify(saved=False, deleted=True)
    if draft is None:
        draft = Draft(conversation_id=conv_id, user_id=current_user.id, kind=kind)
        db.session.add(draft)
    draft.body, draft.to, draft.cc, draft.bcc = body, fields["to"], fields["cc"], fields["bcc"]
    draft.subject = (data.get("subject") or None) and data.get("subject")[:998]
    draft.mailbox_id = mailbox_id
    draft.updated_at = utcnow()
    db.session.commit()
    return jsonify(saved=True, at=draft.updated_at.isoformat())


@bp.post("/conversations/<int:number>/draft")
@login_required
def draft(number: int):
    conv = conversation_by_number_or_404(number)
    return _save_draft(conv.id, conv.mailbox_id)


# --- new outbound conversation --------------------------------------------------------------------


def _my_mailboxes() -> list[Mailbox]:
    return list(
        db.session.execute(
            visible(db.select(Mailbox).where(Mailbox.active.is_(True)), Mailbox.id).order_by(Mailbox.name)
        ).scalars()
    )


@bp.post("/compose/draft")
@login_required
def new_draft():
    raw = (request.get_json(silent=True) or request.form).get("mailbox_id", "")
    mailbox_id = mailbox_or_404(int(raw)).id if str(raw).isdigit() else None
    return _save_draft(None, mailbox_id)


@bp.route("/compose", methods=["GET", "POST"])
@login_required
def new():
    mailboxes = _my_mailboxes()
    saved = (
        db.session.execute(
            db.select(Draft).where(
                Draft.user_id == current_user.id, Draft.kind == "new", Draft.conversation_id.is_(None)
            )
        )
        .scalars()
        .first()
    )
    form = {
        "mailbox_id": str(saved.mailbox_id or "") if saved else "",
        "to": ", ".join(saved.to or []) if saved else "",
        "cc": ", ".join(saved.cc or []) if saved else "",
        "bcc": ", ".join(saved.bcc or []) if saved else "",
        "subject": (saved.subject or "") if saved else "",
        "text": saved.body if saved else "",
    }
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = {
            k: request.form.get(k, "") for k in ("mailbox_id", "to", "cc", "bcc", "subject", "text", "status_after")
        }
        mailbox = mailbox_or_404(int(form["mailbox_id"])) if form["mailbox_id"].isdigit() else None
        to, cc, bcc = (_addresses(form[k]) for k in ("to", "cc", "bcc"))
        if mailbox is None:
            errors["mailbox_id"] = _("Choose the mailbox to send from.")
        if not to:
            errors["to"] = _("Enter at least one recipient.")
        elif bad := _bad_address(to + cc + bcc):
            errors["to"] = _("“%(address)s” is not an email address.", address=bad)
        if not form["subject"].strip():
            errors["subject"] = _("A new conversation needs a subject.")
        if not form["text"].strip():
            errors["text"] = _("Write the message.")
        try:
            files = read_uploads()
        except UploadError as exc:
            errors["attachments"], files = str(exc), []
        if not errors:
            status_after = form.get("status_after") if form.get("status_after") in ("closed", "pending") else None
            try:
                conv = outbox.start_conversation(
                    mailbox,
                    current_user._get_current_object(),
                    to,
                    form["subject"],
                    form["text"],
                    format_text(form["text"]),
                    cc=cc,
                    bcc=bcc,
                    attachments=files,
                    status_after=status_after,
                )
            except ValueError as exc:
                db.session.rollback()
                errors["text"] = str(exc)
            else:
                _clear_draft(None, "new")
                db.session.commit()
                flash(_("Conversation #%(number)s started; the message is on its way.", number=conv.number), "success")
                return redirect(url_for("conversation.show", number=conv.number))
    status = 400 if errors else 200
    return render_template(
        "compose/new.html",
        mailboxes=mailboxes,
        form=form,
        errors=errors,
        max_attachment=current_app.config.get("MAX_ATTACHMENT_BYTES"),
    ), status
