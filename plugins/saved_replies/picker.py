"""The picker the reply editor opens: search, preview, and each reply rendered with the
conversation's variables in a ``data-insert`` attribute, which the editor puts at the cursor."""

from __future__ import annotations

import time

from flask import jsonify, render_template, request, url_for
from flask_login import current_user, login_required

from inbox.access import conversation_or_404
from inbox.extensions import db
from inbox.i18n import gettext as _
from inbox.models import Conversation, ThreadItem
from inbox.templating import RenderError, build_context, render, sample_context

from . import service
from .views import bp, reply_or_404


def _conversation_or_404(conversation_id: int | None) -> Conversation | None:
    return conversation_or_404(conversation_id) if conversation_id is not None else None


def _latest_customer_item(conv: Conversation | None) -> ThreadItem | None:
    if conv is None:
        return None
    return db.session.execute(
        db.select(ThreadItem)
        .where(ThreadItem.conversation_id == conv.id, ThreadItem.type == "customer")
        .order_by(ThreadItem.id.desc())
        .limit(1)
    ).scalar()


PICKER_BUDGET = 2.0  # seconds for all the replies of one picker; each render is bounded on its own too


def _rendered(replies, conv):
    user = current_user._get_current_object()
    ctx = build_context(conv, user, _latest_customer_item(conv))
    out = []
    # Every render is bounded (inbox.template_sandbox), but 30 replies that each use their whole
    # budget would still hold the picker for half a minute: the list as a whole has one, too.
    deadline = time.monotonic() + PICKER_BUDGET
    for reply in replies:
        files = [
            {"url": url_for(".attachment", reply_id=reply.id, att_id=a.id), "name": a.filename, "type": a.content_type}
            for a in reply.attachments
        ]
        if time.monotonic() > deadline:
            out.append((reply, None, _("not rendered: the other replies took too long"), files))
            continue
        try:
            out.append((reply, render(reply.body, reply.body_format, ctx), None, files))
        except RenderError as exc:
            out.append((reply, None, str(exc), files))
    return out


@bp.get("/picker")
@login_required
def picker():
    conv = _conversation_or_404(request.args.get("conversation", type=int))
    q = request.args.get("q", "")
    replies = service.search(
        current_user._get_current_object(), q, mailbox_id=conv.mailbox_id if conv else None, limit=30
    )
    template = "saved_replies/_picker_list.html" if request.args.get("list") else "saved_replies/picker.html"
    return render_template(template, items=_rendered(replies, conv), q=q, conversation=conv)


@bp.get("/<int:reply_id>/render")
@login_required
def render_one(reply_id: int):
    reply = reply_or_404(reply_id)
    conv = _conversation_or_404(request.args.get("conversation", type=int))
    ((_, result, error, _files),) = _rendered([reply], conv)
    if error:
        return jsonify(error=error), 422
    return jsonify(
        text=result.text,
        html=result.html,
        attachments=[{"id": a.id, "filename": a.filename, "size": a.size} for a in reply.attachments],
    )


@bp.post("/<int:reply_id>/used")
@login_required
def used(reply_id: int):
    service.record_use(current_user._get_current_object(), reply_or_404(reply_id))
    db.session.commit()
    return "", 204


@bp.post("/preview")
@login_required
def preview():
    """The edit form's live preview, with a conversation's variables when one is given."""
    conv = _conversation_or_404(request.form.get("conversation", type=int))
    user = current_user._get_current_object()
    ctx = build_context(conv, user, _latest_customer_item(conv)) if conv else sample_context(user)
    try:
        result = render(request.form.get("body", ""), request.form.get("body_format", "markdown"), ctx)
    except RenderError as exc:
        return render_template("saved_replies/_preview.html", error=str(exc), result=None)
    return render_template("saved_replies/_preview.html", error=None, result=result)
