"""The Jinja sandbox for agent-written templates (saved replies, auto-replies), bounded in time,
memory and output.

Jinja's sandbox keeps a template away from Python internals but not from the machine: one saved
reply could take a worker to 1 GB or 24 s of CPU (security review, finding 7). A template here
only sees plain dicts, lists, strings and numbers, and everything that can grow or repeat is
metered against a per-render ``Budget``:

* every loop iteration, call, filter and intercepted operator counts against ``MAX_OPS`` and the
  wall-clock ``TIME_LIMIT`` (nested loops, recursive macros);
* no value a template builds may exceed ``MAX_SIZE`` characters or items, and the operations
  that multiply sizes (``*``, ``+``, ``~``, ``%``, ``join``, ``center``, ``indent``, ``format``,
  ``wordwrap``, ``replace``, ``batch``, ``str.format``, ``str.ljust``...) are checked BEFORE they
  allocate; ``**`` and ``*`` on integers are capped by the result's bit length;
* all text produced, including text captured by ``{% set %}`` blocks, macros and
  ``{% filter %}``, counts against ``MAX_PRODUCED``; the final output against ``MAX_OUTPUT``.

Why in-process rather than a subprocess with rlimits: the picker renders every visible reply on
each open, and a fork per render costs more than the render; with every operation metered, no
single step can run long or allocate much, so the bounds hold without one. Recursive loops are
refused outright (their inner iterables cannot be metered).
"""

from __future__ import annotations

import contextvars
import operator
import re
import string
import time
from functools import update_wrapper
from typing import Any

from jinja2 import ChainableUndefined, nodes, pass_environment
from jinja2.exceptions import TemplateSyntaxError
from jinja2.filters import make_attrgetter
from jinja2.runtime import markup_join, str_join
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError
from jinja2.visitor import NodeTransformer

from .i18n import gettext as _

MAX_OUTPUT = 200_000  # characters in a finished reply: longer is a mistake or an attack
MAX_SIZE = 200_000  # characters or items in any value a template builds
MAX_PRODUCED = 1_000_000  # characters of output produced in total, captured blocks included
MAX_OPS = 50_000  # loop iterations + calls + filters + operators in one render
MAX_INT_BITS = 4096  # about 1233 decimal digits
TIME_LIMIT = 1.0  # seconds of wall clock for one render

# str methods a template may call; the ones that can grow their result are bounded below
_STR_METHODS = frozenset(
    """capitalize casefold count endswith find index isalnum isalpha isascii isdecimal
    isdigit isidentifier islower isnumeric isprintable isspace istitle isupper lower lstrip partition
    removeprefix removesuffix rfind rindex rpartition rsplit rstrip split splitlines startswith strip
    swapcase title upper center ljust rjust zfill replace join format format_map expandtabs""".split()
)
_SEQ_METHODS = frozenset({"index", "count"})
_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?[hlL]?([a-zA-Z%])")


class LimitExceeded(SecurityError):
    """The template went over one of the bounds above."""


class Budget:
    __slots__ = ("ops", "produced", "deadline")

    def __init__(self, time_limit: float = TIME_LIMIT):
        self.ops = 0
        self.produced = 0
        self.deadline = time.monotonic() + time_limit

    def tick(self, n: int = 1) -> None:
        self.ops += n
        if self.ops > MAX_OPS:
            raise LimitExceeded(_("more than %(limit)s steps (loops, calls or filters)", limit=MAX_OPS))
        if time.monotonic() > self.deadline:
            raise LimitExceeded(_("rendering took longer than %(seconds)s s", seconds=format(TIME_LIMIT, "g")))


_budget: contextvars.ContextVar[Budget | None] = contextvars.ContextVar("template_budget", default=None)


def current_budget() -> Budget:
    budget = _budget.get()
    if budget is None:  # used outside metered(): a fresh budget still bounds this one step
        budget = Budget()
    return budget


class metered:  # noqa: N801  (a context manager used like a function)
    """``with metered():`` gives the renders inside it one fresh Budget."""

    def __enter__(self) -> Budget:
        self._token = _budget.set(Budget())
        return _budget.get()

    def __exit__(self, *exc) -> None:
        _budget.reset(self._token)


def deep_size(value: Any, limit: int = MAX_SIZE) -> int:
    """About how long str(value) would be, without building it; stops counting past ``limit``.

    Lists can hold one long string many times (``['x'*199999]*5000`` is small in memory but 1 GB
    once printed or joined), so sizes are measured through containers.
    """
    if isinstance(value, str):
        return len(value)
    total, stack = 0, [value]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            total += len(v)
        elif isinstance(v, (list, tuple)):
            total += len(v) + 2
            stack.extend(v)
        elif isinstance(v, dict):
            total += len(v) + 2
            stack.extend(v.keys())
            stack.extend(v.values())
        elif isinstance(v, int) and not isinstance(v, bool):
            total += v.bit_length() // 3 + 1
        else:
            total += 8
        if total > limit:
            return total
    return total


def _too_long(operation: str) -> LimitExceeded:
    return LimitExceeded(
        _(
            "the result of '%(operation)s' would be longer than %(limit)s characters",
            operation=operation,
            limit=MAX_SIZE,
        )
    )


def _check_size(value: Any, operation: str = "()") -> Any:
    if isinstance(value, (str, list, tuple, dict)) and deep_size(value) > MAX_SIZE:
        raise _too_long(operation)
    return value


def _need(total: int, operation: str) -> None:
    """Refuse before computing: ``total`` is what the result of ``operation`` would hold."""
    if total > MAX_SIZE:
        raise _too_long(operation)


def _check_int(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > MAX_INT_BITS:
        raise LimitExceeded(_("a number larger than %(bits)s bits", bits=MAX_INT_BITS))
    return value


def _longest_arg(args, kwargs) -> int:
    values = list(args) + list(kwargs.values())
    if len(values) == 1 and isinstance(values[0], (tuple, list, dict)):  # '%s %s' % (a, b), '%(x)s' % d
        values = list(values[0].values()) if isinstance(values[0], dict) else list(values[0])
    return max((deep_size(v) for v in values), default=0)


def _check_percent(fmt: str, args: tuple, kwargs: dict) -> None:
    """'%0999999999d' % 1, or many wide fields, would allocate before any size check after it."""
    specs = _PERCENT_SPEC.findall(fmt)
    widths = 0
    for width, precision, _conv in specs:
        if "*" in (width, precision):
            raise LimitExceeded(_("'*' widths are not allowed"))
        widths += int(width or 0) + int(precision or 0)
    _need(len(fmt) + widths + len(specs) * _longest_arg(args, kwargs), "%")


def _check_str_format(fmt: str, args: tuple, kwargs: dict) -> None:
    fields, widths = 0, 0
    try:
        parsed = list(string.Formatter().parse(fmt))
    except ValueError:
        return  # format() will raise the same error itself
    for _literal, field, spec, _conv in parsed:
        if field is None:
            continue
        fields += 1
        if spec and "{" in spec:
            raise LimitExceeded(_("nested format fields are not allowed"))
        widths += sum(int(n) for n in re.findall(r"\d+", spec or ""))
    _need(len(fmt) + widths + fields * _longest_arg(args, kwargs), "format")


# --- filters: each checked before it runs where it can grow its input -------------------------


def _pre_join(env, value, d="", attribute=None):
    items = list(value)
    if attribute is not None:
        getter = make_attrgetter(env, attribute)
        items = [getter(i) for i in items]
    current_budget().tick(len(items) // 100)
    _need(sum(deep_size(i) for i in items) + deep_size(d) * max(len(items) - 1, 0), "join")
    return items, d  # join the checked items, not the (possibly one-shot) original


def _pre_tojson(env, value, indent=None):
    if indent is not None and (len(indent) if isinstance(indent, str) else int(indent)) > 8:
        raise LimitExceeded(_("tojson indent is at most 8"))


def _pre_center(env, value, width=80):
    _need(max(len(str(value)), int(width)), "center")


def _pre_indent(env, s, width=4, first=False, blank=False):
    w = len(width) if isinstance(width, str) else int(width)
    s = str(s)
    _need(len(s) + (s.count("\n") + 1) * w, "indent")


def _pre_wordwrap(env, s, width=79, break_long_words=True, wrapstring=None, break_on_hyphens=True):
    if int(width) < 1:
        raise LimitExceeded(_("wordwrap width must be at least 1"))
    s = str(s)
    _need(len(s) + (len(s) // int(width) + s.count(" ") + 1) * len(wrapstring or "\n"), "wordwrap")


def _pre_replace(env, s, old, new, count=None):
    s, old, new = str(s), str(old), str(new)
    n = s.count(old) if old else len(s) + 1
    if count is not None and int(count) >= 0:
        n = min(n, int(count))
    _need(len(s) + n * max(len(new) - len(old), 0), "replace")


def _pre_format(env, value, *args, **kwargs):
    _check_percent(str(value), args, kwargs)


def _pre_batch(env, value, linecount, fill_with=None):
    _need(int(linecount), "batch")


def _pre_slice(env, value, slices, fill_with=None):
    _need(int(slices), "slice")


def _pre_sum(env, iterable, attribute=None, start=0):
    if not isinstance(start, (int, float)) or isinstance(start, bool):
        raise LimitExceeded(_("sum() adds numbers only"))  # summing lists is quadratic


_PRECHECKS = {
    "join": _pre_join,
    "center": _pre_center,
    "indent": _pre_indent,
    "wordwrap": _pre_wordwrap,
    "replace": _pre_replace,
    "format": _pre_format,
    "batch": _pre_batch,
    "slice": _pre_slice,
    "sum": _pre_sum,
    "tojson": _pre_tojson,
}


def _bounded_filter(name: str, func):
    # how Jinja calls the filter: @pass_context/@pass_eval_context/@pass_environment put one argument first
    pass_arg = getattr(getattr(func, "jinja_pass_arg", None), "name", None)
    precheck = _PRECHECKS.get(name)

    def wrapper(*args, **kwargs):
        current_budget().tick()
        if precheck is not None:
            lead = 1 if pass_arg is not None else 0
            env = (
                args[0].environment
                if pass_arg in ("context", "eval_context")
                else (args[0] if pass_arg == "environment" else None)
            )
            replaced = precheck(env, *args[lead:], **kwargs)
            if replaced is not None:  # join: call it with the checked items and the separator only
                items, d = replaced
                args = args[:lead] + (items, d)
                kwargs = {}
        return _check_int(_check_size(func(*args, **kwargs), name))

    return update_wrapper(wrapper, func)


# --- str methods -------------------------------------------------------------------------------


def _bounded_str_method(s: str, name: str, method):
    def wrapper(*args, **kwargs):
        current_budget().tick()
        if name in ("center", "ljust", "rjust", "zfill") and args:
            _need(max(len(s), int(args[0])), name)
        elif name == "replace" and len(args) >= 2:
            _pre_replace(None, s, *args[:3])
        elif name == "join" and args:
            items = list(args[0])
            _need(sum(deep_size(i) for i in items) + len(s) * max(len(items) - 1, 0), "join")
            args = (items,) + args[1:]
        elif name == "expandtabs":
            _need(len(s) + s.count("\t") * int(args[0] if args else kwargs.get("tabsize", 8)), "expandtabs")
        elif name == "format":
            _check_str_format(s, args, kwargs)
        elif name == "format_map" and args:
            _check_str_format(s, (), dict(args[0]) if isinstance(args[0], dict) else {})
        return _check_size(method(*args, **kwargs), name)

    return wrapper


# --- the template's syntax tree: meter loops, concatenation and output -------------------------


class _Meter(NodeTransformer):
    """Rewrite a parsed template so loops, ``~`` and every piece of output go through the Budget."""

    def _call(self, name: str, *args: nodes.Expr, lineno: int) -> nodes.Call:
        return nodes.Call(nodes.EnvironmentAttribute(name, lineno=lineno), list(args), [], None, None, lineno=lineno)

    def visit_For(self, node: nodes.For) -> nodes.For:  # noqa: N802
        if node.recursive:
            raise TemplateSyntaxError("recursive loops are not allowed", node.lineno)
        node = self.generic_visit(node)
        node.iter = self._call("metered_iter", node.iter, lineno=node.lineno)
        return node

    def _literal(self, node):  # [a, a, a, a] nested a few times grows without any operator
        node = self.generic_visit(node)
        if getattr(node, "ctx", "load") != "load":  # {% for a, b in ... %}: an assignment target
            return node
        return self._call("metered_value", node, lineno=node.lineno)

    visit_List = visit_Tuple = visit_Dict = _literal  # noqa: N815

    def visit_Concat(self, node: nodes.Concat) -> nodes.Call:  # noqa: N802
        node = self.generic_visit(node)
        return self._call("metered_concat", nodes.List(node.nodes, lineno=node.lineno), lineno=node.lineno)

    def visit_Output(self, node: nodes.Output) -> nodes.Output:  # noqa: N802
        node = self.generic_visit(node)
        out = []
        for child in node.nodes:
            if isinstance(child, nodes.TemplateData):  # literal text stays raw (Markup) when autoescaping
                child = nodes.MarkSafeIfAutoescape(nodes.Const(child.data, lineno=child.lineno), lineno=child.lineno)
            out.append(self._call("metered_output", child, lineno=child.lineno))
        node.nodes = out
        return node


class _Undefined(ChainableUndefined):
    """Missing values render empty and chain (``customer.company.name``); ``default()`` works."""

    __slots__ = ()


class BoundedSandbox(ImmutableSandboxedEnvironment):
    """Immutable sandbox, no globals, no underscore names, and every bound above."""

    intercepted_binops = frozenset(["*", "**", "+", "%"])

    def __init__(self, autoescape: bool):
        super().__init__(autoescape=autoescape, undefined=_Undefined, trim_blocks=False, optimized=False)
        self.globals.clear()  # cycler, joiner, lipsum, namespace, range, dict: nothing to climb through
        self.filters = {name: _bounded_filter(name, f) for name, f in self.filters.items()}
        # Jinja's attr filter reads attributes itself (past getattr below): route it through ours
        self.filters["attr"] = _bounded_filter(
            "attr", pass_environment(lambda env, obj, name: env.getattr(obj, str(name)))
        )

    # parse: every template, for check() and for rendering, is metered
    def _parse(self, source, name, filename):
        return _Meter().visit(super()._parse(source, name, filename))

    # the metering entry points the rewritten tree calls
    def metered_iter(self, iterable):
        budget = current_budget()
        budget.tick()
        for item in iterable:
            budget.tick()
            yield item

    def metered_value(self, value):
        return _check_size(value, "[...]")

    def metered_concat(self, parts: list):
        current_budget().tick()
        _need(sum(deep_size(p) for p in parts), "~")
        return markup_join(parts) if self.autoescape else str_join(parts)

    def metered_output(self, value):
        budget = current_budget()
        size = deep_size(value, MAX_PRODUCED - budget.produced)
        budget.produced += size
        if budget.produced > MAX_PRODUCED:
            raise LimitExceeded(_("the template produced more than %(limit)s characters", limit=MAX_PRODUCED))
        return value

    def _refuse(self, name: str):
        raise SecurityError(_("'%(name)s' is not available in templates", name=name))

    def getattr(self, obj: Any, attribute: str) -> Any:
        if attribute.startswith("_"):
            self._refuse(attribute)
        if isinstance(obj, dict):  # variables are dicts: customer.items means the key, never dict.items
            if attribute in obj:
                return obj[attribute]
            return self.undefined(obj=obj, name=attribute)
        if isinstance(obj, _Undefined):
            return obj
        if isinstance(obj, str):
            if attribute not in _STR_METHODS:
                self._refuse(attribute)
            # super() gives Jinja's sandboxed str.format wrapper; ours bounds it before it runs
            return _bounded_str_method(obj, attribute, super().getattr(obj, attribute))
        if isinstance(obj, (list, tuple)) and attribute not in _SEQ_METHODS:
            self._refuse(attribute)
        if isinstance(obj, (int, float)):  # (1).to_bytes(10**9) and friends
            self._refuse(attribute)
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        if isinstance(argument, str):  # x['name'] falls back to x.name: the same rules apply
            if argument.startswith("_"):
                self._refuse(argument)
            if isinstance(obj, dict):
                return obj[argument] if argument in obj else self.undefined(obj=obj, name=argument)
            return self.getattr(obj, argument)
        return super().getitem(obj, argument)

    def unsafe_undefined(self, obj: Any, attribute: str):
        self._refuse(attribute)

    def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805  (Jinja's own signature)
        current_budget().tick()
        if isinstance(__obj, _Undefined):
            raise SecurityError("calling an unknown name is not allowed")
        return _check_int(_check_size(super().call(__context, __obj, *args, **kwargs), "()"))

    def call_binop(self, context, operator_name: str, left: Any, right: Any) -> Any:
        current_budget().tick()
        if operator_name == "**":
            # the result has at least (bits(left) - 1) * right + 1 bits: refuse before computing it
            if (
                isinstance(left, int)
                and isinstance(right, int)
                and right > 0
                and abs(left) > 1
                and (left.bit_length() - 1) * right + 1 > MAX_INT_BITS
            ):
                raise LimitExceeded(_("that power is too large"))
            return _check_int(operator.pow(left, right))
        if operator_name == "*":
            for seq, n in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and isinstance(n, int):
                    _need(deep_size(seq) * n, "*")
            if isinstance(left, int) and isinstance(right, int):
                if left.bit_length() + right.bit_length() > MAX_INT_BITS + 1:
                    raise LimitExceeded(_("a number larger than %(bits)s bits", bits=MAX_INT_BITS))
            return _check_int(operator.mul(left, right))
        if operator_name == "+":
            if isinstance(left, (str, list, tuple)) and isinstance(right, (str, list, tuple)):
                _need(deep_size(left) + deep_size(right), "+")
            return _check_int(operator.add(left, right))
        if operator_name == "%":
            if isinstance(left, str):
                _check_percent(left, (right,), {})
            return _check_size(operator.mod(left, right), "%")
        return self.binop_table[operator_name](left, right)
