"""Faster stand-ins for two regexes the stdlib MIME parser runs per message.

email.feedparser builds ``re.compile('(?P<sep>' + re.escape('--' + boundary) + ...)`` for every
multipart it meets. Boundaries are unique per message, so the re module's cache never hits and
each compile costs ~160 us of pure-Python regex compilation: about a quarter of all parsing time
for ordinary HTML+text or attachment mail. This module gives feedparser a ``re`` whose compile()
recognises exactly that pattern and returns a matcher with the same semantics (same groups, same
answers for every line; see tests/test_parse_boundary.py); any other pattern goes to the real re.
"""

from __future__ import annotations

import re

_SHAPE = re.compile(r"\(\?P<sep>(.*)\)\(\?P<end>--\)\?\(\?P<ws>\[ \\t\]\*\)\(\?P<linesep>\\r\\n\|\\r\|\\n\)\?\$", re.S)
_UNESCAPE = re.compile(r"\\(.)", re.S)
_LINESEPS = ("", "\r\n", "\r", "\n")


class BoundaryMatch:
    __slots__ = ("_groups", "_text")

    def __init__(self, groups: dict[str, str | None], text: str):
        self._groups, self._text = groups, text

    def group(self, *names):
        if not names:
            names = (0,)
        values = tuple(self._text if n == 0 else self._groups[n] for n in names)
        return values[0] if len(values) == 1 else values

    def __bool__(self) -> bool:
        return True


class BoundaryMatcher:
    """``re.compile(feedparser's boundary pattern).match`` without compiling a regex."""

    __slots__ = ("sep", "n", "pattern")

    def __init__(self, separator: str, pattern: str):
        self.sep, self.n, self.pattern = separator, len(separator), pattern

    def match(self, line: str) -> BoundaryMatch | None:
        if not line.startswith(self.sep):
            return None
        rest = line[self.n :]
        end = None
        if rest.startswith("--"):
            end, rest = "--", rest[2:]
        stripped = rest.lstrip(" \t")
        ws = rest[: len(rest) - len(stripped)]
        if stripped not in _LINESEPS:
            # "$" also matches before a final newline: the separator then excludes it
            if not (stripped.endswith("\n") and stripped[:-1] in _LINESEPS[1:]):
                return None
            stripped = stripped[:-1]
        text = self.sep + (end or "") + ws + stripped
        return BoundaryMatch({"sep": self.sep, "end": end, "ws": ws, "linesep": stripped or None}, text)


class _ReForFeedparser:
    """The re module, except that feedparser's boundary pattern compiles to a BoundaryMatcher."""

    def __getattr__(self, name):
        return getattr(re, name)

    @staticmethod
    def compile(pattern, flags=0):
        if isinstance(pattern, str) and not flags:
            shape = _SHAPE.fullmatch(pattern)
            if shape is not None:
                return BoundaryMatcher(_UNESCAPE.sub(r"\1", shape.group(1)), pattern)
        return re.compile(pattern, flags)


class EolSearch:
    """``re.compile(r'(\r\n|\r|\n)\\Z').search``: feedparser runs it over every part's whole payload,
    and the regex tries each position of an attachment's text (~75 us a message); the answer
    only depends on the last two characters."""

    pattern = r"(\r\n|\r|\n)\Z"

    @staticmethod
    def search(text: str) -> BoundaryMatch | None:
        if text.endswith("\r\n"):
            eol = "\r\n"
        elif text.endswith(("\r", "\n")):
            eol = text[-1]
        else:
            return None
        return BoundaryMatch({1: eol}, eol)


def install() -> None:
    """Point email.feedparser at the fast boundary compile and end-of-line search (idempotent)."""
    import email.feedparser as feedparser

    if not isinstance(feedparser.re, _ReForFeedparser):
        feedparser.re = _ReForFeedparser()
    if getattr(feedparser.NLCRE_eol, "pattern", None) == EolSearch.pattern:
        feedparser.NLCRE_eol = EolSearch()
