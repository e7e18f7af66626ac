"""Agent-side pages: article management for admins (list, edit with preview, import/export) and
the endpoint that records which suggestion an agent inserted."""

from __future__ import annotations

import io
import zipfile

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required

from inbox.access import conversation_or_404
from inbox.extensions import db

from . import archive, articles
from .i18n import _
from .models import Article, SuggestionUse

admin_bp = Blueprint(
    "kb_admin",
    __name__,
    url_prefix="/kb",
    template_folder="templates",
    static_folder="static",
    static_url_path="/kb-static",
)
agent_bp = Blueprint("kb_agent", __name__, url_prefix="/kb")


def _admin():
    if not current_user.is_authenticated or not current_user.is_admin:
        abort(404)


@admin_bp.before_request
@login_required
def _only_admins():
    if request.endpoint != "kb_admin.static":
        _admin()


@admin_bp.get("/")
def index():
    query = db.select(Article).order_by(Article.category, Article.title)
    if request.args.get("status") in ("draft", "published"):
        query = query.where(Article.status == request.args["status"])
    rows = db.session.execute(query).scalars().all()
    uses = dict(
        db.session.execute(
            db.select(SuggestionUse.article_id, db.func.count()).group_by(SuggestionUse.article_id)
        ).all()
    )
    return render_template("kb/admin_list.html", articles=rows, uses=uses)


def _form_values() -> dict:
    return {k: request.form.get(k, "") for k in ("title", "slug", "category", "tags", "status", "body")}


@admin_bp.route("/new", methods=["GET", "POST"])
def new():
    return _edit(None)


@admin_bp.route("/<int:article_id>", methods=["GET", "POST"])
def edit(article_id: int):
    article = db.session.get(Article, article_id) or abort(404)
    return _edit(article)


def _edit(article: Article | None):
    if request.method == "GET":
        values = (
            {
                "title": article.title,
                "slug": article.slug,
                "category": article.category,
                "tags": ", ".join(article.tags),
                "status": article.status,
                "body": article.body,
            }
            if article
            else {"title": "", "slug": "", "category": "General", "tags": "", "status": "draft", "body": ""}
        )
        return render_template(
            "kb/admin_edit.html", article=article, values=values, errors={}, preview=articles.render(values["body"])
        )
    values = _form_values()
    try:
        saved = articles.save(
            article,
            title=values["title"],
            body=values["body"],
            category=values["category"],
            tags=values["tags"],
            status=values["status"] or "draft",
            slug=values["slug"] or None,
        )
    except articles.ArticleError as exc:
        db.session.rollback()
        return render_template(
            "kb/admin_edit.html",
            article=article,
            values=values,
            errors=exc.errors,
            preview=articles.render(values["body"]),
        ), 400
    db.session.commit()
    flash(_("Saved “%(title)s”.", title=saved.title), "success")
    return redirect(url_for(".edit", article_id=saved.id))


@admin_bp.post("/preview")
def preview():
    return jsonify(html=articles.render(request.form.get("body", "")))


@admin_bp.post("/<int:article_id>/delete")
def delete(article_id: int):
    article = db.session.get(Article, article_id) or abort(404)
    title = article.title
    articles.delete(article)
    db.session.commit()
    flash(_("Deleted “%(title)s”.", title=title), "success")
    return redirect(url_for(".index"))


@admin_bp.get("/export")
def export():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for article in db.session.execute(db.select(Article).order_by(Article.id)).scalars():
            zf.writestr(f"{article.slug}.md", articles.to_markdown(article))
    buffer.seek(0)
    return send_file(buffer, mimetype="application/zip", as_attachment=True, download_name="knowledge-base.zip")


@admin_bp.post("/import")
def import_():
    created = updated = 0
    errors = []
    for upload in request.files.getlist("files"):
        data = upload.read(20 * 1024 * 1024)
        texts = []
        if upload.filename.lower().endswith(".zip"):
            try:
                texts, skipped = archive.markdown_members(data, upload.filename)
                errors.extend(skipped)
            except archive.ArchiveError as exc:
                errors.append(str(exc))
        elif len(data) > archive.MAX_ARTICLE_BYTES:
            errors.append(
                _(
                    "%(name)s: larger than %(limit)s MB",
                    name=upload.filename,
                    limit=archive.MAX_ARTICLE_BYTES // (1024 * 1024),
                )
            )
        else:
            texts = [(upload.filename, data)]
        for name, raw in texts:
            try:
                _article, was_created = articles.import_markdown(raw.decode("utf-8"))
            except (UnicodeDecodeError, articles.ArticleError) as exc:
                db.session.rollback()
                errors.append(_("%(file)s: %(problem)s", file=name, problem=exc))
                continue
            created += was_created
            updated += not was_created
    db.session.commit()
    summary = _("Imported: %(created)s new, %(updated)s updated.", created=created, updated=updated)
    if errors:
        summary = _("%(summary)s Skipped: %(problems)s", summary=summary, problems=_("; ").join(errors))
    flash(summary, "error" if errors and not (created or updated) else "success")
    return redirect(url_for(".index"))


@agent_bp.post("/used/<int:conversation_id>")
@login_required
def used(conversation_id: int):
    conv = conversation_or_404(conversation_id)
    article = db.session.get(Article, request.form.get("article", type=int) or 0) or abort(404)
    db.session.add(
        SuggestionUse(
            article_id=article.id,
            conversation_id=conv.id,
            user_id=current_user.id,
            kind="text" if request.form.get("kind") == "text" else "link",
            rank=request.form.get("rank", type=int),
        )
    )
    db.session.commit()
    return ("", 204)
