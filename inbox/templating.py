"""Reply templates: what saved replies and auto-replies are rendered with.

A template only ever sees dicts, lists, strings and numbers built here (never ORM objects), so
there is nothing behind a variable to reach the app with; the environment (``template_sandbox``)
refuses underscore names, has no globals and bounds time, memory and output. Every failure is a
``RenderError`` with a message fit for an agent. ``build_context`` is the one caller of the
``template_variables`` hook.

Core owns this so plugins do not depend on each other: saved replies and the auto-responder both
``from inbox.templating import render, build_context, check``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import html2text
import markdown as markdown_lib
import nh3
from jinja2 import TemplateError, TemplateSyntaxError, nodes
from jinja2.sandbox import SecurityError

from .i18n import gettext as _
from .plugin_host import host
from .template_sandbox import MAX_OUTPUT, BoundedSandbox, LimitExceeded, metered

PLAIN_TYPES = (str, int, float, bool, type(None))
__all__ = [
    "MAX_OUTPUT",
    "RenderError",
    "Rendered",
    "build_context",
    "check",
    "html_to_text",
    "plain",
    "person",
    "render",
    "render_string",
    "sample_context",
    "sanitize_html",
]


class RenderError(Exception):
    """A template could not be rendered; str(exc) is a one-line explanation for the agent.
    ``kind``: "limit" (over a bound: time, size, steps), "refused" (the sandbox said no), "syntax",
    or "error" (a failure that may depend on the data, such as 1 / 0)."""

    def __init__(self, message: str, kind: str = "error"):
        super().__init__(message)
        self.kind = kind

    @property
    def limit(self) -> bool:
        return self.kind == "limit"


_ENVS = {True: BoundedSandbox(autoescape=True), False: BoundedSandbox(autoescape=False)}
_md = threading.local()  # a Markdown instance is not thread-safe; building one per call is slow


@lru_cache(maxsize=1024)
def _compiled(template: str, autoescape: bool):
    """Compiling is most of the cost of a render; a picker renders the same replies again and again.
    (A template that fails to compile raises, so nothing that failed is cached.)"""
    return _ENVS[autoescape].from_string(template)


def _markdown(text: str) -> str:
    md = getattr(_md, "instance", None)
    if md is None:
        md = _md.instance = markdown_lib.Markdown(extensions=["nl2br", "sane_lists"])
    return md.reset().convert(text)


def plain(value: Any, depth: int = 0) -> Any:
    """A deep copy made of plain data only; anything else becomes its str()."""
    if depth > 8:
        return None
    if isinstance(value, PLAIN_TYPES):
        return value
    if isinstance(value, dict):
        return {str(k): plain(v, depth + 1) for k, v in value.items() if not str(k).startswith("_")}
    if isinstance(value, (list, tuple, set)):
        return [plain(v, depth + 1) for v in value]
    return str(value)


def _split_name(name: str | None) -> tuple[str, str]:
    parts = (name or "").split()
    return (parts[0], " ".join(parts[1:])) if parts else ("", "")


def _compact(values: dict) -> dict:
    """Empty values are left out, so they are undefined and ``default("there")`` applies."""
    return {k: v for k, v in values.items() if v not in (None, "")}


def person(name: str | None, email: str | None) -> dict:
    first, last = _split_name(name)
    return _compact({"name": name, "first_name": first, "last_name": last, "email": email})


def build_context(conversation=None, user=None, item=None, extra: dict | None = None) -> dict:
    """The variables for one conversation and agent, as plain dicts.

    Plugins' ``template_variables(conversation, user)`` results are merged in (they cannot
    replace the core names). ``item`` is the customer message being answered, when there is one.
    """
    customer = conversation.customer if conversation is not None else None
    mailbox = conversation.mailbox if conversation is not None else None
    cust = person(customer.name if customer else None, customer.email if customer else None)
    if item is not None and item.from_email:
        cust = {**person(item.from_name, item.from_email), **cust}
    ctx: dict[str, Any] = {
        "customer": cust,
        "agent": person(user.name, user.email) if user is not None else person(None, None),
        "conversation": _compact(
            {
                "number": conversation.number if conversation is not None else None,
                "subject": conversation.subject if conversation is not None else None,
                "status": conversation.status if conversation is not None else None,
            }
        ),
        "mailbox": _compact(
            {
                "name": mailbox.name if mailbox is not None else None,
                "email": mailbox.email if mailbox is not None else None,
                "from_name": (mailbox.from_name or mailbox.name) if mailbox is not None else None,
            }
        ),
    }
    if conversation is not None:
        ctx.update({k: v for k, v in _plugin_variables(conversation, user).items() if k not in ctx})
    if extra:
        ctx.update(plain(extra))
    return ctx


def sample_context(user=None, mailbox=None) -> dict:
    """Made-up values for previews outside a conversation."""
    return {
        "customer": person("Jane Example", "jane@example.com"),
        "agent": person(user.name, user.email) if user is not None else person("Alex Agent", "alex@example.com"),
        "conversation": {"number": 1234, "subject": "Question about my order", "status": "active"},
        "mailbox": _compact(
            {
                "name": mailbox.name if mailbox else "Support",
                "email": mailbox.email if mailbox else "support@example.com",
                "from_name": (mailbox.from_name or mailbox.name) if mailbox else "Support",
            }
        ),
    }


def _plugin_variables(conversation, user) -> dict:
    merged: dict[str, Any] = {}
    for result in host().call("template_variables", conversation=conversation, user=user):
        if isinstance(result, dict):
            merged.update(plain(result))
    return merged


@dataclass
class Rendered:
    text: str  # plain text: what a textarea gets and the text/plain part of a mail
    html: str  # sanitised HTML


def render_string(template: str, context: dict, autoescape: bool = False) -> str:
    """Render one template string; RenderError on syntax errors, refused access or any bound exceeded."""
    try:
        compiled = _compiled(template or "", bool(autoescape))  # bounded by the template's length, not metered
        with metered():
            chunks, size = [], 0
            for chunk in compiled.generate(plain(context)):
                size += len(chunk)
                if size > MAX_OUTPUT:
                    raise LimitExceeded(_("the result is longer than %(limit)s characters", limit=MAX_OUTPUT))
                chunks.append(chunk)
            return "".join(chunks)
    except TemplateSyntaxError as exc:
        raise RenderError(
            _("template error on line %(line)s: %(message)s", line=exc.lineno, message=exc.message), "syntax"
        ) from None
    except LimitExceeded as exc:
        raise RenderError(_("not allowed: %(why)s (a rendering limit)", why=exc), "limit") from None
    except SecurityError as exc:
        raise RenderError(_("not allowed: %(why)s", why=exc), "refused") from None
    except TemplateError as exc:
        raise RenderError(_("template error: %(message)s", message=exc.message or exc)) from None
    except MemoryError:
        raise RenderError(_("not allowed: out of memory (a rendering limit)"), "limit") from None
    except RecursionError:
        raise RenderError(_("template error: nested too deeply (a rendering limit)"), "limit") from None
    except (ArithmeticError, TypeError, ValueError, LookupError) as exc:
        raise RenderError(_("template error: %(kind)s: %(message)s", kind=type(exc).__name__, message=exc)) from None


def check(template: str, body_format: str | None = None, context: dict | None = None) -> str | None:
    """Why the template cannot be saved, or None: for forms, before saving.

    Refuses syntax errors, underscore names, and templates that the sandbox refuses or that go over
    the rendering bounds with the sample values (``body_format`` "markdown"/"html" renders as a
    reply body, None as one string). Errors that may depend on real data (1 / 0) are left to render
    time, where the picker shows them.
    """
    try:
        ast = _ENVS[False].parse(template or "")
    except TemplateSyntaxError as exc:
        return _("template error on line %(line)s: %(message)s", line=exc.lineno, message=exc.message)
    for node in ast.find_all((nodes.Getattr, nodes.Name, nodes.Const)):
        if isinstance(node, nodes.Const):  # customer['__class__'], attr('__class__'), '{0.__class__}'.format
            name = node.value if isinstance(node.value, str) and "__" in node.value else ""
        else:
            name = node.attr if isinstance(node, nodes.Getattr) else node.name
        if name.startswith("_") or "__" in name:
            return _("not allowed: '%(name)s' is not available in templates", name=name)
    try:
        if body_format in ("markdown", "html"):
            render(template, body_format, context if context is not None else sample_context())
        else:
            render_string(template, context if context is not None else sample_context())
    except RenderError as exc:
        if exc.kind == "limit":
            return _("template that exceeds the rendering limits (%(why)s)", why=exc)
        if exc.kind in ("refused", "syntax"):
            return str(exc)
    return None


def sanitize_html(html: str) -> str:
    return nh3.clean(html, link_rel="noopener noreferrer")


def html_to_text(html: str) -> str:
    conv = html2text.HTML2Text()
    conv.body_width = 0
    conv.ignore_images = True
    return conv.handle(html).strip()


def render(body: str, body_format: str, context: dict) -> Rendered:
    """Render a Markdown or HTML body into (text, sanitised html). Variables are HTML-escaped
    before the Markdown/HTML step, so a customer called ``<script>`` stays text."""
    if body_format == "html":
        html = sanitize_html(render_string(body, context, autoescape=True))
        return Rendered(text=html_to_text(html), html=html)
    text = render_string(body, context, autoescape=False).strip()
    escaped = render_string(body, context, autoescape=True)
    html = sanitize_html(_markdown(escaped))
    return Rendered(text=text, html=html)
