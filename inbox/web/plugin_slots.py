"""Where plugins appear on agent pages: Jinja helpers for the UI-slot hooks, and the route that
renders one sidebar panel after the page has loaded, within PLUGIN_PANEL_TIMEOUT seconds.

Templates use:
  slot_links(hook, **kwargs)  -> [(plugin, Link)] for nav_items, admin_sections, conversation_actions, editor_buttons
  slot_assets("css"|"js")     -> [url] from extra_css / extra_js
  slot_panels(conversation)   -> [(plugin, Panel)]; render each as a placeholder with data-panel-src=panel_url(...)
"""

from __future__ import annotations

import concurrent.futures
import threading

from flask import Blueprint, abort, copy_current_request_context, current_app, render_template_string, request
from flask_login import current_user, login_required
from markupsafe import Markup, escape

from ..access import conversation_or_404
from ..plugin_host import host
from ..plugin_types import Link, Panel

bp = Blueprint("plugin_slots", __name__)
# panels run off the request thread so a hung plugin can be abandoned at the time limit
_pool = concurrent.futures.ThreadPoolExecutor(max_workers=8, thread_name_prefix="panel")
_LINK_HOOKS = {"nav_items", "admin_sections", "conversation_actions", "editor_buttons"}


def slot_links(hook: str, **kwargs) -> list[tuple[str, Link]]:
    if hook not in _LINK_HOOKS:
        raise ValueError(f"{hook} is not a link slot")
    if not current_user.is_authenticated or (hook == "admin_sections" and not current_user.is_admin):
        return []
    kwargs.setdefault("user", current_user._get_current_object())
    out = []
    for plugin, result in host().call_each(hook, **kwargs):
        for link in _as_list(result):
            if isinstance(link, Link):
                out.append((plugin, link))
    return out


def slot_assets(kind: str) -> list[str]:
    hook = {"css": "extra_css", "js": "extra_js"}[kind]
    urls: list[str] = []
    for _plugin, result in host().call_each(hook, view=request.endpoint):
        urls.extend(u for u in _as_list(result) if isinstance(u, str))
    return urls


def slot_panels(conversation) -> list[tuple[str, Panel]]:
    user = current_user._get_current_object()
    panels = []
    for plugin, result in host().call_each("sidebar_panels", conversation=conversation, user=user):
        panels.extend((plugin, p) for p in _as_list(result) if isinstance(p, Panel))
    return sorted(panels, key=lambda pair: (pair[1].order, pair[0]))


def panel_url(plugin: str, panel: Panel, conversation) -> str:
    from flask import url_for

    return url_for("plugin_slots.panel", conversation_id=conversation.id, plugin=plugin, panel_id=panel.id)


def _as_list(result) -> list:
    if result is None:
        return []
    return list(result) if isinstance(result, (list, tuple)) else [result]


@bp.get("/conversations/<int:conversation_id>/panels/<plugin>/<panel_id>")
@login_required
def panel(conversation_id: int, plugin: str, panel_id: str):
    conv = conversation_or_404(conversation_id)
    found = next((p for name, p in slot_panels(conv) if name == plugin and p.id == panel_id), None)
    if found is None:
        abort(404)
    user = current_user._get_current_object()
    app = current_app._get_current_object()
    timeout = float(app.config.get("PLUGIN_PANEL_TIMEOUT", 3.0))
    done = threading.Event()

    @copy_current_request_context
    def render():
        try:
            with app.app_context():
                from ..extensions import db

                # the panel thread gets its own session; re-load the objects there
                from ..models import Conversation, User

                return found.render(db.session.get(Conversation, conv.id), db.session.get(User, user.id))
        finally:
            done.set()

    future = _pool.submit(render)
    try:
        body = future.result(timeout=timeout)
    except concurrent.futures.TimeoutError:
        return _panel_message(f"{found.title} did not answer within {timeout:g} s.", "timeout"), 200
    except Exception as exc:
        host().record_error(plugin, f"sidebar panel {panel_id}", exc)
        return _panel_message(f"{found.title} could not be shown.", "error"), 200
    html = body if isinstance(body, Markup) else escape("" if body is None else str(body))
    return Markup(html), 200, {"Content-Type": "text/html; charset=utf-8"}


def _panel_message(text: str, kind: str) -> str:
    return render_template_string('<p class="panel-{{ kind }}" role="status">{{ text }}</p>', text=text, kind=kind)


def init_app(app) -> None:
    app.jinja_env.globals.update(
        slot_links=slot_links, slot_assets=slot_assets, slot_panels=slot_panels, panel_url=panel_url
    )
