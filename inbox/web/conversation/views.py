"""The conversation page: the thread, the message-body iframe, presence heartbeats, retry.

Actions that change the conversation (status, assign, tags, ...) are in conversation_actions.py;
the reply/note/forward editor posts to compose.py. Both register on this module's blueprint or
their own; every route looks the conversation up through web.access, so another mailbox's
conversation is a 404.
"""

from __future__ import annotations

import io
from datetime import timedelta

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from ...access import conversation_by_number_or_404, may_see_conversation, may_see_mailbox, visible
from ...extensions import db
from ...i18n import gettext as _
from ...models import PRESENCE_STATES, Conversation, Draft, Mailbox, Presence, RawMessage, ThreadItem, User, utcnow
from ...sanitize import finish_email_html
from . import thread_view

bp = Blueprint("conversation", __name__)
PRESENCE_WINDOW = 15  # seconds: someone not heard from for longer has left
ORDERS = ("oldest", "newest")


def thread_order(user: User) -> str:
    order = (user.preferences or {}).get("thread_order")
    return order if order in ORDERS else "oldest"


def assignable_agents(conv: Conversation) -> list[User]:
    users = db.session.execute(db.select(User).where(User.active.is_(True)).order_by(User.name)).scalars()
    return [u for u in users if may_see_mailbox(conv.mailbox_id, u)]


def movable_mailboxes() -> list[Mailbox]:
    return list(
        db.session.execute(
            visible(db.select(Mailbox).where(Mailbox.active.is_(True)), Mailbox.id).order_by(Mailbox.name)
        ).scalars()
    )


def _drafts(conv: Conversation) -> dict[str, Draft]:
    rows = db.session.execute(
        db.select(Draft).where(Draft.conversation_id == conv.id, Draft.user_id == current_user.id)
    ).scalars()
    return {d.kind: d for d in rows}


def _touch_presence(conv: Conversation, state: str) -> None:
    row = db.session.execute(
        db.select(Presence).where(Presence.conversation_id == conv.id, Presence.user_id == current_user.id)
    ).scalar_one_or_none()
    if row is None:
        try:
            with db.session.begin_nested():
                db.session.add(
                    Presence(conversation_id=conv.id, user_id=current_user.id, state=state, seen_at=utcnow())
                )
        except IntegrityError:  # the same agent's other tab inserted first
            row = db.session.execute(
                db.select(Presence).where(Presence.conversation_id == conv.id, Presence.user_id == current_user.id)
            ).scalar_one()
    if row is not None:
        row.state, row.seen_at = state, utcnow()


def others_present(conv: Conversation) -> list[Presence]:
    since = utcnow() - timedelta(seconds=PRESENCE_WINDOW)
    return list(
        db.session.execute(
            db.select(Presence)
            .where(Presence.conversation_id == conv.id, Presence.user_id != current_user.id, Presence.seen_at >= since)
            .order_by(Presence.state)
        ).scalars()
    )


def undo_window(conv: Conversation) -> list[tuple[ThreadItem, float]]:
    """The agent's own messages still inside their undo-send delay, with seconds left."""
    from ...models import OutboxMessage

    now = utcnow()
    rows = db.session.execute(
        db.select(ThreadItem, OutboxMessage.next_attempt_at)
        .join(OutboxMessage, OutboxMessage.item_id == ThreadItem.id)
        .where(
            ThreadItem.conversation_id == conv.id,
            ThreadItem.author_id == current_user.id,
            OutboxMessage.status == "queued",
            OutboxMessage.claimed_by.is_(None),
            OutboxMessage.attempts == 0,
            OutboxMessage.next_attempt_at > now,
        )
    ).all()
    return [(item, (due - now).total_seconds()) for item, due in rows]


def page_context(conv: Conversation, **extra) -> dict:
    order = thread_order(current_user)
    items = [i for i in conv.items if i.send_status != "cancelled"]
    if order == "newest":
        items.reverse()
    from ...mail.outbound.build import reply_anchor, reply_targets
    from ...mail.outbound.compose import readable_address

    targets = reply_targets(conv, reply_anchor(conv))
    reply_to = ", ".join(readable_address(n, e) if n else e for n, e in targets.to)
    ctx = dict(
        conv=conv,
        items=items,
        order=order,
        agents=assignable_agents(conv),
        mailboxes=movable_mailboxes(),
        drafts=_drafts(conv),
        last_item_id=thread_view.last_item_id(conv.id),
        others=others_present(conv),
        undo=undo_window(conv),
        tv=thread_view,
        default_to=reply_to,
        reply_others=", ".join(readable_address(n, e) if n else e for n, e in targets.others),
        reply_to_used=targets.reply_to_used,
        max_attachment=current_app.config.get("MAX_ATTACHMENT_BYTES"),
        undo_seconds=current_app.config.get("UNDO_SEND_SECONDS", 10),
        mode=request.args.get("mode") if request.args.get("mode") in ("reply", "note", "forward") else "reply",
        news=[],
        form={},
        errors={},
    )
    ctx.update(extra)
    return ctx


@bp.get("/conversations/<int:number>")
@login_required
def show(number: int):
    conv = conversation_by_number_or_404(number)
    if conv.merged_into_id:
        winner = db.session.get(Conversation, conv.merged_into_id)
        if may_see_conversation(winner):
            flash(_("#%(number)s was merged into #%(winner)s.", number=conv.number, winner=winner.number), "info")
            return redirect(url_for("conversation.show", number=winner.number))
    # a GET changes nothing (a link from another site must not mark conversations read, review
    # finding 27): the page's first presence heartbeat (a CSRF-checked POST, 300 ms after load)
    # marks it read and announces the viewer
    return render_template("conversation/show.html", **page_context(conv))


def _item_or_404(number: int, item_id: int) -> ThreadItem:
    conv = conversation_by_number_or_404(number)
    item = db.session.get(ThreadItem, item_id)
    if item is None or item.conversation_id != conv.id:
        abort(404)
    return item


@bp.get("/conversations/<int:number>/items/<int:item_id>/body")
@login_required
def body(number: int, item_id: int):
    """One message's HTML as its own document, for the iframe: sandboxed without scripts (the
    frame keeps our origin, so its cid: images load with the session and need no bearer URL).
    The CSP forbids scripts, forms, frames and (until "show images") remote images."""
    item = _item_or_404(number, item_id)
    if not thread_view.uses_iframe(item):
        abort(404)
    by_cid = {a.content_id.strip("<>"): a for a in item.attachments if a.content_id}
    images = request.args.get("images") == "1"

    def cid_url(cid: str) -> str | None:
        att = by_cid.get(cid)
        return url_for("attachments.preview", attachment_id=att.id) if att is not None else None

    result = finish_email_html(
        thread_view.prepared_html(item),
        cid_url=cid_url,
        allow_remote=images,
        strip_quotes=request.args.get("quoted") != "1" and bool(item.quoted_text),
    )
    resp = make_response(render_template("conversation/body.html", html=result.html))
    origin = request.host_url.rstrip("/")
    img_src = f"{origin} https: http:" if images else origin
    resp.headers["Content-Security-Policy"] = (
        f"default-src 'none'; script-src 'none'; img-src {img_src}; style-src 'unsafe-inline'; font-src 'none'; "
        "form-action 'none'; frame-ancestors 'self'; base-uri 'none'; sandbox allow-same-origin allow-popups "
        "allow-popups-to-escape-sandbox"
    )
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["X-Frame-Options"] = "SAMEORIGIN"
    resp.headers["Referrer-Policy"] = "no-referrer"
    resp.headers["Cache-Control"] = "private, no-store"
    return resp


@bp.get("/conversations/<int:number>/items/<int:item_id>/original")
@login_required
def original(number: int, item_id: int):
    """The message exactly as received (.eml), e.g. when it is too large or too long to show."""
    from ..attachments import harden

    item = _item_or_404(number, item_id)
    raw = db.session.get(RawMessage, item.raw_message_id) if item.raw_message_id else None
    if raw is None:
        abort(404)
    resp = send_file(
        io.BytesIO(raw.data),
        mimetype="application/octet-stream",
        as_attachment=True,
        download_name=f"message-{number}-{item.id}.eml",
        max_age=0,
    )
    return harden(resp)


@bp.post("/conversations/<int:number>/presence")
@login_required
def presence(number: int):
    conv = conversation_by_number_or_404(number)
    data = request.get_json(silent=True) or request.form
    state = data.get("state") if data.get("state") in PRESENCE_STATES else "viewing"
    _touch_presence(conv, state)
    # old rows of everybody are pruned here, so the table stays as small as the team
    db.session.execute(db.delete(Presence).where(Presence.seen_at < utcnow() - timedelta(minutes=10)))
    db.session.commit()
    try:
        after = int(data.get("last_item_id") or 0)
    except (TypeError, ValueError):
        after = 0
    news = thread_view.news_since(conv.id, after, current_user) if after else []
    if after and not news:
        # the agent's open page shows everything up to now: read (a newer message waits for a reload)
        conv.last_read_at = utcnow()
        db.session.commit()
    return jsonify(others=[{"name": p.user.name, "state": p.state} for p in others_present(conv)], new_items=len(news))


@bp.post("/conversations/<int:number>/order")
@login_required
def set_order(number: int):
    conv = conversation_by_number_or_404(number)
    order = request.form.get("order")
    if order in ORDERS:
        current_user.preferences = {**(current_user.preferences or {}), "thread_order": order}
        db.session.commit()
    return redirect(url_for("conversation.show", number=conv.number))


@bp.post("/conversations/<int:number>/items/<int:item_id>/retry")
@login_required
def retry(number: int, item_id: int):
    from ...mail.outbound.outbox import retry as outbox_retry

    conv = conversation_by_number_or_404(number)
    item = db.session.get(ThreadItem, item_id)
    if item is None or item.conversation_id != conv.id or not item.is_outgoing:
        abort(404)
    if outbox_retry(item):
        flash(_("The message is queued to be sent again."), "success")
    else:
        flash(_("That message is not waiting for a retry."), "warning")
    return redirect(url_for("conversation.show", number=conv.number) + f"#item-{item.id}")
