"""The fast boundary matcher answers exactly like the regex email.feedparser would compile."""

from __future__ import annotations

import email.feedparser
import itertools
import random
import re
from email import policy
from email.parser import BytesParser
from pathlib import Path

from inbox.mail.parse import feedparser_speedups as parse_boundary
from inbox.mail.parse import parse_message

CORPUS = Path(__file__).parent / "corpus"


def _feedparser_pattern(boundary: str) -> str:
    separator = "--" + boundary
    return "(?P<sep>" + re.escape(separator) + r")(?P<end>--)?(?P<ws>[ \t]*)(?P<linesep>\r\n|\r|\n)?$"


def _same(real, fast, line: str) -> None:
    a, b = real.match(line), fast.match(line)
    assert (a is None) == (b is None), (line, a, b)
    if a is not None:
        for name in ("sep", "end", "ws", "linesep"):
            assert a.group(name) == b.group(name), (line, name)
        assert a.group(0) == b.group(0) and a.group() == b.group()


def test_matcher_agrees_with_the_regex_on_every_shape_of_line():
    boundaries = [
        "simple",
        "===============1234567890==",
        "a.b+c*d?(e)[f]{g}|h^$\\i",
        "sp ace",
        "--dash--",
        "\u00e9t\u00e9",
        "x\ty",
    ]
    tails = ["", "--", "-", "---", " ", "\t", " \t ", "x", " x", "--x", "-- ", "--\t"]
    ends = ["", "\n", "\r\n", "\r", "\n\n", "\r\n\n", "\r\r", "\n\r", " \n", "x\n"]
    for boundary in boundaries:
        real = re.compile(_feedparser_pattern(boundary))
        fast = parse_boundary._ReForFeedparser.compile(_feedparser_pattern(boundary))
        assert isinstance(fast, parse_boundary.BoundaryMatcher)
        sep = "--" + boundary
        for prefix, tail, end in itertools.product(["", " ", "x", sep[:-1]], tails, ends):
            _same(real, fast, prefix + sep + tail + end)
        rng = random.Random(boundary)
        alphabet = [sep, "-", " ", "\t", "\r", "\n", "x", boundary[:2]]
        for _ in range(3000):
            _same(real, fast, "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 6))))


def test_eol_search_agrees_with_the_regex():
    real = re.compile(r"(\r\n|\r|\n)\Z")
    rng = random.Random(3)
    samples = ["", "x", "\n", "\r", "\r\n", "\n\r", "\n\n", "a\r\n", "a\n\r\n", "a\r\r", "\r\n\n"]
    samples += ["".join(rng.choice("ab\r\n ") for _ in range(rng.randint(0, 8))) for _ in range(3000)]
    for text in samples:
        a, b = real.search(text), parse_boundary.EolSearch.search(text)
        assert (a is None) == (b is None), repr(text)
        if a is not None:
            assert a.group(0) == b.group(0) and a.group(1) == b.group(1), repr(text)


def test_other_patterns_go_to_the_real_re():
    shim = parse_boundary._ReForFeedparser()
    assert isinstance(shim.compile(r"\r\n|\r|\n"), re.Pattern)
    assert shim.escape("a.b") == re.escape("a.b")


def test_corpus_parses_identically_with_and_without_the_shim(monkeypatch):
    files = sorted(CORPUS.glob("*.eml"))
    assert files
    parse_boundary.install()
    fast = [parse_message(f.read_bytes()) for f in files]
    fast_trees = [BytesParser(policy=policy.compat32).parsebytes(f.read_bytes()).as_bytes() for f in files]
    monkeypatch.setattr(email.feedparser, "re", re)
    monkeypatch.setattr(email.feedparser, "NLCRE_eol", re.compile(r"(\r\n|\r|\n)\Z"))
    slow = [parse_message(f.read_bytes()) for f in files]
    slow_trees = [BytesParser(policy=policy.compat32).parsebytes(f.read_bytes()).as_bytes() for f in files]
    assert fast == slow
    assert fast_trees == slow_trees


def test_feedparser_still_builds_the_patterns_the_shim_recognises():
    """Pinned to the running Python: if a new version of email.feedparser builds its boundary
    regex or end-of-line search differently, the shim would silently stop engaging (and parsing
    would lose a fifth of its speed); this fails instead. Run on every supported version."""
    import inspect

    source = inspect.getsource(email.feedparser)
    assert "'(?P<sep>' + re.escape(separator) +" in source
    assert r"r')(?P<end>--)?(?P<ws>[ \t]*)(?P<linesep>\r\n|\r|\n)?$')" in source
    assert r"NLCRE_eol = re.compile(r'(\r\n|\r|\n)\Z')" in source


def test_the_shim_engages_when_inbox_parses_multipart_mail(monkeypatch):
    built = []

    class Counting(parse_boundary.BoundaryMatcher):
        def __init__(self, *args):
            built.append(args[0])
            super().__init__(*args)

    monkeypatch.setattr(parse_boundary, "BoundaryMatcher", Counting)
    monkeypatch.setattr(email.feedparser, "re", email.feedparser.re)  # undone after the test
    monkeypatch.setattr(email.feedparser, "NLCRE_eol", email.feedparser.NLCRE_eol)
    parse_boundary.install()  # what create_app and each parse worker do at start-up
    assert isinstance(email.feedparser.re, parse_boundary._ReForFeedparser)
    assert isinstance(email.feedparser.NLCRE_eol, parse_boundary.EolSearch)
    p = parse_message(
        b'From: a@b.example\r\nSubject: s\r\nContent-Type: multipart/mixed; boundary="Q1"\r\n\r\n'
        b"--Q1\r\nContent-Type: text/plain\r\n\r\nhello\r\n--Q1--\r\n"
    )
    assert p.text == "hello" and built == ["--Q1"]


_PROBE = r"""
import email.feedparser, re, sys
from inbox.mail.parse import feedparser_speedups, parse_message

parse_message(b"Subject: x\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nhi\r\n--b--\r\n")
after_import = isinstance(email.feedparser.re, feedparser_speedups._ReForFeedparser)
from inbox.testing.fixtures import make_app
make_app(sys.argv[1])
after_app = isinstance(email.feedparser.re, feedparser_speedups._ReForFeedparser)
print(after_import, after_app)
"""


def test_speedup_is_installed_by_create_app_not_by_importing_the_parser(tmp_path):
    """The stdlib patch is a visible start-up step: parsing alone leaves email.feedparser untouched."""
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-c", _PROBE, str(tmp_path / "instance")],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout.split()
    assert out == ["False", "True"]


def test_parse_workers_install_the_speedup_themselves(monkeypatch):
    """A forkserver child does not inherit the parent's patch: _serve installs it before parsing."""
    from multiprocessing import Pipe

    from inbox.mail.inbound import pool

    monkeypatch.setattr(email.feedparser, "re", re)
    mine, theirs = Pipe(duplex=True)
    mine.send(None)  # stop after set-up
    pool._serve(theirs, None)
    assert isinstance(email.feedparser.re, parse_boundary._ReForFeedparser)
