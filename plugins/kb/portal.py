"""The public knowledge base, served inside the customer portal and themed like it.

Templates live in this plugin's templates/kb/portal_*.html; a theme can override any of them by
shipping the same name (the portal's loader tries the theme first, this folder last).
"""

from __future__ import annotations

import re

from flask import Blueprint, abort, request
from sqlalchemy import func

from inbox.extensions import db
from inbox.themes import render_portal

from . import search
from .i18n import tr
from .models import Article

portal_bp = Blueprint("kb_portal", __name__, url_prefix="/portal/kb", template_folder="templates")


def _page(template: str, **context):
    # adds branding, customer and nav; the plugin's own gettext functions for its templates
    return render_portal(template, **tr.jinja_context(), **context)


def _categories() -> list[dict]:
    rows = db.session.execute(
        db.select(Article.category, func.count())
        .where(Article.status == "published")
        .group_by(Article.category)
        .order_by(Article.category)
    ).all()
    return [{"name": name, "count": count} for name, count in rows]


def _card(article: Article, snippet=None) -> dict:
    from flask import url_for

    return {
        "title": article.title,
        "slug": article.slug,
        "category": article.category,
        "updated_at": article.updated_at,
        "url": url_for("kb_portal.article", slug=article.slug),
        "snippet": snippet,
    }


@portal_bp.get("/")
def index():
    q = " ".join(re.sub(r"[\x00-\x1f\x7f]", " ", request.args.get("q", "")).split())  # no NUL in a query or a page
    if q:
        hits = search.search(q, limit=20)
        return _page(
            "kb/portal_search.html",
            query=q,
            results=[_card(h.article, h.snippet) for h in hits],
            categories=_categories(),
        )
    recent = db.session.execute(
        db.select(Article).where(Article.status == "published").order_by(Article.updated_at.desc()).limit(8)
    ).scalars()
    return _page("kb/portal_index.html", categories=_categories(), recent=[_card(a) for a in recent], query="")


@portal_bp.get("/c/<category>")
def category(category: str):
    rows = (
        db.session.execute(
            db.select(Article)
            .where(Article.status == "published", Article.category == category)
            .order_by(Article.title)
        )
        .scalars()
        .all()
    )
    if not rows:
        abort(404)
    return _page(
        "kb/portal_category.html",
        category=category,
        articles=[_card(a) for a in rows],
        categories=_categories(),
        query="",
    )


@portal_bp.get("/a/<slug>")
def article(slug: str):
    row = db.session.execute(
        db.select(Article).where(Article.slug == slug, Article.status == "published")
    ).scalar_one_or_none()
    if row is None:
        abort(404)
    from markupsafe import Markup

    # body_html was sanitised with nh3 when the article was saved
    return _page(
        "kb/portal_article.html",
        article={**_card(row), "html": Markup(row.body_html), "tags": row.tags},
        categories=_categories(),
        query="",
    )
