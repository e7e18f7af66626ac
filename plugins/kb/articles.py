"""Creating, changing and moving articles: Markdown to sanitised HTML, slugs, front-matter files."""

from __future__ import annotations

import re
import unicodedata

import markdown as md
import nh3

from inbox.extensions import db
from inbox.models import utcnow

from . import search
from .i18n import _
from .models import STATUSES, Article

ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "strong",
    "em",
    "b",
    "i",
    "u",
    "s",
    "del",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "img",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "dl",
    "dt",
    "dd",
    "sup",
    "sub",
    "kbd",
    "mark",
}
ALLOWED_ATTRS = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "th": {"align"},
    "td": {"align"},
    "code": {"class"},
}


def render(body: str) -> str:
    """Markdown to HTML that is safe to show anywhere: no script, handler, style or foreign scheme survives."""
    html = md.markdown(body or "", extensions=["tables", "fenced_code", "sane_lists"], output_format="html")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRS,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )


def slugify(title: str) -> str:
    # keep letters of any script (Korean slugs stay readable); drop marks and punctuation
    text = unicodedata.normalize("NFKC", title).lower()
    text = re.sub(r"[^\w\s-]", "", text, flags=re.UNICODE)
    return re.sub(r"[\s_-]+", "-", text).strip("-")[:120] or "article"


def unique_slug(wanted: str, article_id: int | None = None) -> str:
    slug, n = wanted, 2
    while True:
        clash = db.session.execute(db.select(Article.id).where(Article.slug == slug)).scalar()
        if clash is None or clash == article_id:
            return slug
        slug, n = f"{wanted}-{n}", n + 1


class ArticleError(ValueError):
    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def save(
    article: Article | None,
    *,
    title: str,
    body: str,
    category: str = "",
    tags=(),
    status: str = "draft",
    slug: str | None = None,
) -> Article:
    """Create (article=None) or update; validates, renders, indexes. The caller commits."""
    errors = {}
    title, category = (title or "").strip(), (category or "").strip() or "General"
    if not title:
        errors["title"] = _("An article needs a title.")
    if status not in STATUSES:
        errors["status"] = _("Status is one of %(statuses)s.", statuses=", ".join(STATUSES))
    wanted = slugify(slug or title)
    if slug and slugify(slug) != slug.strip():
        errors["slug"] = _("A slug is lower-case letters, digits and dashes.")
    if errors:
        raise ArticleError(errors)
    if article is None:
        article = Article()
        db.session.add(article)
    article.title, article.body, article.category, article.status = title, body or "", category, status
    article.tags = sorted(
        {t.strip().lower() for t in (tags.split(",") if isinstance(tags, str) else tags) if t.strip()}
    )
    article.body_html = render(article.body)
    article.updated_at = utcnow()
    with db.session.no_autoflush:
        article.slug = unique_slug(wanted, article.id)
    db.session.flush()
    search.index(article)
    return article


def delete(article: Article) -> None:
    search.remove(article.id)
    db.session.delete(article)


# --- Markdown files with front matter (import / export) -----------------------------------------


def to_markdown(article: Article) -> str:
    head = [
        f"title: {article.title}",
        f"slug: {article.slug}",
        f"category: {article.category}",
        f"tags: {', '.join(article.tags or [])}",
        f"status: {article.status}",
        f"updated: {article.updated_at.isoformat()}",
    ]
    return "---\n" + "\n".join(head) + "\n---\n\n" + article.body.rstrip() + "\n"


def parse_markdown(text: str) -> dict:
    """`---` front matter (simple `key: value` lines) and a Markdown body."""
    meta, body = {}, text
    match = re.match(r"\A---\s*\n(.*?)\n---\s*\n?(.*)\Z", text, re.S)
    if match:
        for line in match.group(1).splitlines():
            key, sep, value = line.partition(":")
            if sep:
                meta[key.strip().lower()] = value.strip()
        body = match.group(2)
    return {
        "title": meta.get("title", ""),
        "slug": meta.get("slug") or None,
        "category": meta.get("category", ""),
        "tags": meta.get("tags", ""),
        "status": meta.get("status", "draft"),
        "body": body.lstrip("\n"),
    }


def import_markdown(text: str) -> tuple[Article, bool]:
    """Create, or update the article with the same slug. Returns (article, created)."""
    fields = parse_markdown(text)
    slug = slugify(fields["slug"] or fields["title"] or "")
    existing = db.session.execute(db.select(Article).where(Article.slug == slug)).scalar_one_or_none()
    article = save(
        existing,
        title=fields["title"],
        body=fields["body"],
        category=fields["category"],
        tags=fields["tags"],
        status=fields["status"],
        slug=slug,
    )
    return article, existing is None
