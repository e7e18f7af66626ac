"""Property: parse_message never raises, whatever the bytes (truncated, mutated, spliced corpus mail)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from inbox.mail.parse import ParsedMessage, parse_message

CORPUS = sorted((Path(__file__).parent / "corpus").glob("*.eml"))
NASTY = [
    b"=?",
    b"?=",
    b"=?utf-8?B?",
    b"=?x?Q?=",
    b"\r\n\r\n",
    b"\n--",
    b"boundary=",
    b"Content-Type: multipart/mixed",
    b"\x00",
    b"\xff\xfe",
    b"\xed\xa0\x80",
    b"<",
    b">",
    b";",
    b"filename*0*=",
    b"charset=utf-7",
    b"+AGEA-",
    b"Content-Transfer-Encoding: base64\r\n",
    b"message/rfc822",
    b"\x1b$B",
    b"%",
    b"'",
    b'"',
    b"\t",
    b" ",
]


def mutate(data: bytes, rng: random.Random) -> bytes:
    buf = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        op = rng.randrange(5)
        pos = rng.randrange(len(buf) + 1)
        if op == 0 and buf:
            del buf[pos : pos + rng.randint(1, 40)]
        elif op == 1:
            buf[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 12)))
        elif op == 2:
            buf[pos:pos] = rng.choice(NASTY)
        elif op == 3 and buf:
            buf[min(pos, len(buf) - 1)] = rng.randrange(256)
        else:
            other = rng.choice(CORPUS).read_bytes()
            start = rng.randrange(len(other) + 1)
            buf[pos:pos] = other[start : start + rng.randint(1, 200)]
    return bytes(buf)


def check(p: ParsedMessage) -> None:
    assert isinstance(p, ParsedMessage)
    for value in (p.text, p.new_text, p.quoted_text, p.subject, p.from_name, *(p.headers.values())):
        assert isinstance(value, str)
        value.encode("utf-8")  # no lone surrogates: everything must be storable
        assert "\x00" not in value
    assert p.date is None or p.date.tzinfo is not None
    for att in p.attachments:
        assert isinstance(att.data, bytes) and att.filename and "/" not in att.filename


@pytest.mark.parametrize("path", CORPUS, ids=[p.stem for p in CORPUS])
def test_truncations_and_mutations_never_raise(path: Path) -> None:
    data = path.read_bytes()
    rng = random.Random(f"parse-fuzz-{path.stem}")
    for cut in sorted({0, 1, 2, len(data) // 3, len(data) // 2, len(data) - 1, *rng.sample(range(len(data)), 8)}):
        check(parse_message(data[:cut]))
    for _ in range(40):
        check(parse_message(mutate(data, rng)))


def test_random_bytes_never_raise() -> None:
    rng = random.Random(20240604)
    for _ in range(200):
        check(parse_message(bytes(rng.randrange(256) for _ in range(rng.randint(0, 600)))))


def test_pathological_inputs() -> None:
    deep = b"Content-Type: multipart/mixed; boundary=b0\r\n\r\n"
    for i in range(1, 120):
        deep += b"--b%d\r\nContent-Type: multipart/mixed; boundary=b%d\r\n\r\n" % (i - 1, i)
    check(parse_message(deep + b"text"))
    check(parse_message(b"Subject: " + b"=?utf-8?q?" * 5000 + b"\r\n\r\nx"))
    check(parse_message(b"To: " + b"a@b.c, " * 5000 + b"\r\n\r\nx"))
    check(parse_message(b"From: x\r\n\r\n" + b"> " * 20000 + b"\nOn " + b"x" * 100000 + b" wrote:\n"))
    check(parse_message("Subject: ok\r\n\r\nstr input".encode()))
    check(parse_message(b""))
