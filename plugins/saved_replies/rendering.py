"""Render saved replies and auto-replies: Jinja in an immutable sandbox over plain dicts.

A template only ever sees dicts, lists, strings and numbers built here (never ORM objects), so
there is nothing behind a variable to reach the app with. On top of Jinja's sandbox this
environment refuses every underscore name outright (so ``{{ ''.__class__ }}`` is an error, not a
silent blank), has no globals (no ``cycler``/``lipsum``/``range``), bounds ``*`` and ``**`` and the
output size, and turns every failure into a ``RenderError`` with a message fit for an agent.

Other plugins reuse it: ``from inbox_plugins.saved_replies.rendering import render, build_context``.
"""
from __future__ import annotations

import operator
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import html2text
import markdown as markdown_lib
import nh3
from jinja2 import ChainableUndefined, TemplateError, TemplateSyntaxError, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

MAX_OUTPUT = 200_000  # characters; a reply longer than this is a mistake or an attack
MAX_POWER = 100
PLAIN_TYPES = (str, int, float, bool, type(None))


class RenderError(Exception):
    """A template could not be rendered; str(exc) is a one-line explanation for the agent."""


class _Undefined(ChainableUndefined):
    """Missing values render empty and chain (``customer.company.name``); ``default()`` works."""

    __slots__ = ()


class _Sandbox(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset(["*", "**"])

    def __init__(self, autoescape: bool):
        super().__init__(autoescape=autoescape, undefined=_Undefined, trim_blocks=False)
        self.globals.clear()  # cycler, joiner, lipsum, namespace, range, dict: nothing to climb through

    def _refuse(self, name: str):
        raise SecurityError(f"'{name}' is not available in templates")

    def getattr(self, obj: Any, attribute: str) -> Any:
        if attribute.startswith("_"):
            self._refuse(attribute)
        if isinstance(obj, dict):  # variables are dicts: customer.items means the key, never dict.items
            if attribute in obj:
                return obj[attribute]
            return self.undefined(obj=obj, name=attribute)
        if isinstance(obj, _Undefined):
            return obj
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        if isinstance(argument, str) and argument.startswith("_"):
            self._refuse(argument)
        return super().getitem(obj, argument)

    def unsafe_undefined(self, obj: Any, attribute: str):
        self._refuse(attribute)

    def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805  (Jinja's own signature)
        if isinstance(__obj, _Undefined):
            raise SecurityError("calling an unknown name is not allowed")
        return super().call(__context, __obj, *args, **kwargs)

    def call_binop(self, context, operator_name: str, left: Any, right: Any) -> Any:
        if operator_name == "**":
            if isinstance(right, (int, float)) and abs(right) > MAX_POWER:
                raise SecurityError("that power is too large")
            return operator.pow(left, right)
        for seq, n in ((left, right), (right, left)):
            if isinstance(seq, (str, list, tuple)) and isinstance(n, int) and len(seq) * n > MAX_OUTPUT:
                raise SecurityError("that repetition is too long")
        return operator.mul(left, right)


_ENVS = {True: _Sandbox(autoescape=True), False: _Sandbox(autoescape=False)}
_md = threading.local()  # a Markdown instance is not thread-safe; building one per call is slow


@lru_cache(maxsize=1024)
def _compiled(template: str, autoescape: bool):
    """Compiling is most of the cost of a render; a picker renders the same replies again and again."""
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

    Other plugins' ``template_variables(conversation, user)`` results are merged in (they cannot
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
        "conversation": _compact({
            "number": conversation.number if conversation is not None else None,
            "subject": conversation.subject if conversation is not None else None,
            "status": conversation.status if conversation is not None else None,
        }),
        "mailbox": _compact({
            "name": mailbox.name if mailbox is not None else None,
            "email": mailbox.email if mailbox is not None else None,
            "from_name": (mailbox.from_name or mailbox.name) if mailbox is not None else None,
        }),
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
        "mailbox": _compact({"name": mailbox.name if mailbox else "Support",
                             "email": mailbox.email if mailbox else "support@example.com",
                             "from_name": (mailbox.from_name or mailbox.name) if mailbox else "Support"}),
    }


def _plugin_variables(conversation, user) -> dict:
    from inbox.plugin_host import host

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
    """Render one template string; RenderError on syntax errors, refused access or runaway output."""
    try:
        out = _compiled(template or "", bool(autoescape)).render(plain(context))
    except TemplateSyntaxError as exc:
        raise RenderError(f"template error on line {exc.lineno}: {exc.message}") from None
    except SecurityError as exc:
        raise RenderError(f"not allowed: {exc}") from None
    except TemplateError as exc:
        raise RenderError(f"template error: {exc.message or exc}") from None
    except (ArithmeticError, TypeError, ValueError, LookupError, RecursionError) as exc:
        raise RenderError(f"template error: {type(exc).__name__}: {exc}") from None
    if len(out) > MAX_OUTPUT:
        raise RenderError(f"the result is longer than {MAX_OUTPUT} characters")
    return out


def check(template: str) -> str | None:
    """Why the template cannot be compiled, or None: for forms, before saving."""
    try:
        ast = _ENVS[False].parse(template or "")
    except TemplateSyntaxError as exc:
        return f"template error on line {exc.lineno}: {exc.message}"
    for node in ast.find_all((nodes.Getattr, nodes.Name, nodes.Const)):
        if isinstance(node, nodes.Const):  # customer['__class__'], attr('__class__'), '{0.__class__}'.format
            name = node.value if isinstance(node.value, str) and "__" in node.value else ""
        else:
            name = node.attr if isinstance(node, nodes.Getattr) else node.name
        if name.startswith("_") or "__" in name:
            return f"not allowed: '{name}' is not available in templates"
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
