"""Header recovery must find headers after junk without inventing headers out of body text."""

from __future__ import annotations

import pytest

from inbox.mail.parse import parse_message


@pytest.mark.parametrize(
    "raw",
    [
        b"Hi there: I only pasted my question.\r\nOrder: 5521\r\n",  # colons in text, no header block
        b"Dear team,\r\nFrom: the shop\r\nSubject: nothing\r\n",  # text first: a quote is not our header
        b"\r\n\r\nJust text after blank lines.\r\n",
    ],
)
def test_text_without_headers_stays_text_and_is_flagged(raw):
    p = parse_message(raw)
    assert p.parse_error == "no headers found"
    assert p.from_email is None and p.subject == ""
    assert raw.decode().strip().splitlines()[0] in p.text  # still shown


def test_junk_lines_before_the_headers_are_dropped_not_shown():
    p = parse_message(b"-----Original Message-----\r\nFrom: Ann <ann@x.example>\r\nSubject: Help\r\n\r\nBody.")
    assert (p.from_email, p.subject, p.text, p.parse_error) == ("ann@x.example", "Help", "Body.", None)


def test_body_without_a_blank_line_after_the_headers():
    p = parse_message(b"From: ann@x.example\r\nSubject: Help\r\nHello there,\r\nmy order is late.\r\n")
    assert p.subject == "Help" and p.text.startswith("Hello there,") and p.parse_error is None


def test_misspelt_name_does_not_override_a_real_header():
    p = parse_message(b"From: ann@x.example\r\nSubject: Real\r\nSubjet: Typo\r\n\r\nx")
    assert p.subject == "Real"


@pytest.mark.parametrize(
    "raw, sender",
    [
        (b"From: MAILER-DAEMON\r\nReturn-Path: <>\r\nSubject: s\r\n\r\nx", None),  # a null path is nobody
        (
            b"From: Ann\r\nReply-To: <ann@home.example>\r\nReturn-Path: <bounce@esp.example>\r\nSubject: s\r\n\r\nx",
            "ann@home.example",
        ),  # Reply-To before Return-Path (a sending service's bounce address)
        (b'From: "ann@x.example" <ann@y.example>\r\nSubject: s\r\n\r\nx', "ann@y.example"),  # the real address wins
    ],
)
def test_sender_fallbacks(raw, sender):
    assert parse_message(raw).from_email == sender
