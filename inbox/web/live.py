"""The inbox list's live poll: folder counts and the rows that changed since the client's cursor.

Polling a small JSON endpoint every few seconds works behind any proxy and with several gunicorn
workers, unlike a long-lived stream; both queries it runs are indexed and cheap."""

from __future__ import annotations

from datetime import datetime, timezone

from flask import Blueprint, jsonify, render_template, request
from flask_login import login_required

from .. import listing
from ..extensions import db
from ..models import Conversation
from .inbox_list import view_from_request

bp = Blueprint("live", __name__)


def _since() -> datetime:
    raw = (request.args.get("since") or "").replace(" ", "+").replace("Z", "+00:00")
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        return datetime.now(timezone.utc)
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


@bp.get("/live/inbox")
@login_required
def inbox():
    view = view_from_request()
    since = _since()
    rows = listing.newer_than(view, since)
    per_mailbox = listing.counts(view.user)
    counts = {f"{mailbox_id}:{key}": n for mailbox_id, box in per_mailbox.items() for key, n in box.items()}
    counts.update({f"all:{key}": n for key, n in listing.totals(per_mailbox).items()})
    html = (
        render_template(
            "inbox/_rows.html", rows=rows, view=view, next_cursor=None, show_mailbox=request.args.get("multi") == "1"
        )
        if rows
        else ""
    )
    latest = max((r.last_activity_at for r in rows), default=since)
    return jsonify(counts=counts, html=html, latest=latest.isoformat(), new=len(rows), gone=_gone(view))


def _gone(view) -> list[int]:
    """Of the rows the client shows (?shown=1,2,3), those that left this view (closed, assigned
    away, moved...) since the page loaded, so the list can drop them."""
    shown = [int(i) for i in (request.args.get("shown") or "").split(",")[:200] if i.isdigit()]
    if not shown:
        return []
    still = set(
        db.session.execute(
            listing.base_query(view).with_only_columns(Conversation.id).where(Conversation.id.in_(shown))
        ).scalars()
    )
    return [i for i in shown if i not in still]
