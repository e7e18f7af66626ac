"""The search page: one box, the query language from inbox.search, highlighted results."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from .. import search as search_service

bp = Blueprint("search", __name__)
PAGE = 25


@bp.get("/search")
@login_required
def results():
    raw = (request.args.get("q") or "").strip()[:500]
    offset = max(0, request.args.get("offset", 0, type=int) or 0)
    query, page = search_service.search(raw, current_user._get_current_object(), limit=PAGE, offset=offset)
    template = "search/_hits.html" if request.headers.get("HX-Request") and offset else "search/results.html"
    return render_template(template, q=raw, query=query, page=page, offset=offset)
