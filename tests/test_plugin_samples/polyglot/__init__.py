"""Polyglot: a sample plugin that ships its own catalogue (translations/<locale>/LC_MESSAGES/polyglot.po).

Used by tests/test_plugin_i18n.py the way a third-party plugin would use the translation API.
"""

from __future__ import annotations

from flask import Blueprint, flash, render_template
from flask_login import login_required

from inbox import Link, hookimpl
from inbox.i18n.plugins import domain_for

PLUGIN_NAME = "polyglot"
tr = domain_for(__name__)
_, ngettext, pgettext = tr.gettext, tr.ngettext, tr.pgettext

bp = Blueprint("polyglot", __name__, url_prefix="/polyglot", template_folder="templates")


def greeting(count: int) -> str:
    return ngettext("%(num)d parcel on its way", "%(num)d parcels on their way", count)


@bp.get("/")
@login_required
def page():
    flash(_("Hello, %(name)s", name="Ada"), "success")
    return render_template("polyglot/page.html", count=3)


@hookimpl
def register_blueprints(app):
    return bp


@hookimpl
def nav_items(user):
    return [Link(label=pgettext("navigation", "Parcels"), url="/polyglot/", id="nav-polyglot")]
