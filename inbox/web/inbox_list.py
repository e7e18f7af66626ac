"""The inbox: mailboxes and folders on the left, a list of conversations, and bulk actions."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from .. import conversations as convs
from .. import listing
from ..access import conversation_or_404, mailbox_or_404, visible, visible_mailbox_ids
from ..extensions import db
from ..i18n import gettext as _
from ..i18n import ngettext
from ..models import STATUSES, Conversation, Mailbox, Tag, User, conversation_tag
from .auth import safe_next

bp = Blueprint("inbox_list", __name__)


def view_from_request(args=None) -> listing.View:
    args = args if args is not None else request.args
    folder = args.get("folder") or "unassigned"
    if folder not in listing.FOLDER_KEYS:
        abort(404)
    mailbox_id = args.get("mailbox", type=int)
    if mailbox_id:
        mailbox_or_404(mailbox_id)
    sort = args.get("sort") if args.get("sort") in listing.SORTS else "newest"
    status = args.get("status") if args.get("status") in STATUSES else None
    return listing.View(
        user=current_user._get_current_object(),
        folder=folder,
        mailbox_id=mailbox_id,
        sort=sort,
        status=status,
        assignee=args.get("assignee") or None,
        tag=args.get("tag") or None,
        after=args.get("after") or None,
    )


def visible_tags(limit: int = 200) -> list[Tag]:
    """Tags on conversations the user may see: a tag used only in a hidden mailbox says something
    about that mailbox (review finding 23). Admins see every tag, used or not."""
    query = db.select(Tag).order_by(Tag.name).limit(limit)
    if visible_mailbox_ids() is not None:
        used = visible(
            db.select(conversation_tag.c.tag_id).join(
                Conversation, Conversation.id == conversation_tag.c.conversation_id
            )
        )
        query = query.where(Tag.id.in_(used))
    return list(db.session.execute(query).scalars())


def visible_mailboxes() -> list[Mailbox]:
    return list(db.session.execute(visible(db.select(Mailbox), Mailbox.id).order_by(Mailbox.name)).scalars())


def assignable_users(mailbox_ids: list[int]) -> list[User]:
    """Active people who can see every one of these mailboxes (admins see all)."""
    query = db.select(User).where(User.active.is_(True)).order_by(User.name)
    users = list(db.session.execute(query).scalars())
    wanted = set(mailbox_ids)
    return [u for u in users if u.is_admin or wanted <= {m.id for m in u.mailboxes}]


@bp.get("/")
@login_required
def home():
    return redirect(url_for("inbox_list.index"))


@bp.get("/inbox")
@login_required
def index():
    view = view_from_request()
    rows, next_cursor = listing.page(view)
    if request.headers.get("HX-Request") and view.after:
        return render_template(
            "inbox/_rows.html", rows=rows, view=view, next_cursor=next_cursor, show_mailbox=not view.mailbox_id
        )
    mailboxes = visible_mailboxes()
    per_mailbox = listing.counts(view.user)
    tags = visible_tags()
    people = assignable_users([view.mailbox_id] if view.mailbox_id else [])
    return render_template(
        "inbox/index.html",
        view=view,
        rows=rows,
        next_cursor=next_cursor,
        mailboxes=mailboxes,
        per_mailbox=per_mailbox,
        totals=listing.totals(per_mailbox),
        folders=listing.FOLDERS,
        sorts=listing.SORTS,
        statuses=STATUSES,
        tags=tags,
        people=people,
        show_mailbox=not view.mailbox_id and len(mailboxes) > 1,
        title=_title(view, mailboxes),
    )


def _title(view: listing.View, mailboxes: list[Mailbox]) -> str:
    label = dict((k, l) for k, l, _c in listing.FOLDERS)[view.folder]
    box = next((m.name for m in mailboxes if m.id == view.mailbox_id), None)
    return _("%(folder)s · %(mailbox)s", folder=label, mailbox=box) if box else str(label)


@bp.post("/inbox/bulk")
@login_required
def bulk():
    user = current_user._get_current_object()
    ids = [int(i) for i in request.form.getlist("ids") if i.isdigit()]
    action = request.form.get("action", "")
    # "/\\evil.test" and "/\t/evil.test" pass a startswith("/") test but browsers go off-site
    back = safe_next(request.form.get("back")) or url_for("inbox_list.index")
    if not ids:
        flash(_("Select at least one conversation first."), "warning")
        return redirect(back)
    targets = [conversation_or_404(i) for i in ids]  # a hidden id anywhere fails the whole request
    changed = 0
    try:
        if action in ("close", "spam", "active", "pending", "status"):
            status = request.form.get("status") if action == "status" else {"close": "closed"}.get(action, action)
            if status not in STATUSES:
                abort(400)
            changed = sum(convs.set_status(c, status, by=user) for c in targets)
            message = {
                "closed": lambda n: ngettext("Closed %(num)d conversation.", "Closed %(num)d conversations.", n),
                "spam": lambda n: ngettext(
                    "Marked %(num)d conversation as spam.", "Marked %(num)d conversations as spam.", n
                ),
                "active": lambda n: ngettext("Reopened %(num)d conversation.", "Reopened %(num)d conversations.", n),
                "pending": lambda n: ngettext(
                    "Set %(num)d conversation to pending.", "Set %(num)d conversations to pending.", n
                ),
            }[status]
        elif action == "assign":
            raw = request.form.get("assignee", "")
            assignee = None
            if raw == "me":
                assignee = user
            elif raw.isdigit():
                assignee = db.session.get(User, int(raw))
                if assignee is None or not assignee.active:
                    abort(400)
            changed = sum(convs.assign(c, assignee, by=user) for c in targets)
            if assignee:

                def message(n: int) -> str:
                    return ngettext(
                        "Assigned %(num)d conversation to %(name)s.",
                        "Assigned %(num)d conversations to %(name)s.",
                        n,
                        name=assignee.name,
                    )
            else:

                def message(n: int) -> str:
                    return ngettext("Unassigned %(num)d conversation.", "Unassigned %(num)d conversations.", n)
        elif action == "tag":
            name = (request.form.get("tag") or "").strip()
            if not name:
                flash(_("Type a tag name to add."), "warning")
                return redirect(back)
            changed = sum(convs.add_tag(c, name, by=user) for c in targets)
            tag = name.strip().lower()

            def message(n: int) -> str:
                return ngettext(
                    "Tagged %(num)d conversation “%(tag)s”.", "Tagged %(num)d conversations “%(tag)s”.", n, tag=tag
                )
        else:
            abort(400)
    except ValueError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(back)
    db.session.commit()
    flash(message(changed) if changed else _("Nothing needed changing."), "success")
    return redirect(back)
