"""`inbox kb import FILE...` and `inbox kb export DIR`: Markdown files with front matter."""

from __future__ import annotations

import os

import click
from flask.cli import with_appcontext


@click.group("kb")
def kb():
    """Knowledge-base articles."""


@kb.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@with_appcontext
def import_cmd(paths):
    """Import .md files (or folders of them); an article with the same slug is updated."""
    from inbox.extensions import db

    from .articles import ArticleError, import_markdown

    files = []
    for path in paths:
        if os.path.isdir(path):
            files += [os.path.join(path, n) for n in sorted(os.listdir(path)) if n.endswith(".md")]
        else:
            files.append(path)
    created = updated = 0
    for path in files:
        with open(path, encoding="utf-8") as f:
            try:
                _, new = import_markdown(f.read())
            except ArticleError as exc:
                raise click.ClickException(f"{path}: {exc}") from None
        created += new
        updated += not new
    db.session.commit()
    from .i18n import _

    click.echo(_("%(created)s articles created, %(updated)s updated", created=created, updated=updated))


@kb.command("export")
@click.argument("directory", type=click.Path(file_okay=False))
@with_appcontext
def export_cmd(directory):
    """Write every article as DIRECTORY/<slug>.md."""
    from inbox.extensions import db

    from .articles import to_markdown
    from .models import Article

    os.makedirs(directory, exist_ok=True)
    count = 0
    for article in db.session.execute(db.select(Article)).scalars():
        with open(os.path.join(directory, f"{article.slug}.md"), "w", encoding="utf-8") as f:
            f.write(to_markdown(article))
        count += 1
    from .i18n import ngettext

    click.echo(
        ngettext(
            "%(num)d article written to %(directory)s",
            "%(num)d articles written to %(directory)s",
            count,
            directory=directory,
        )
    )
