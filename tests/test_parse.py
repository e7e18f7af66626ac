"""parse_message on the tricky-mail corpus in tests/corpus (see make_corpus.py for how each was built)."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from inbox.mail.parse import ParsedMessage, auto_reply_suppressed, dedup_key, parse_message

CORPUS = Path(__file__).parent / "corpus"


def load(name: str) -> ParsedMessage:
    return parse_message((CORPUS / f"{name}.eml").read_bytes())


@pytest.mark.parametrize(
    "name, subject, text",
    [
        ("charset_euckr", "주문 문의", "안녕하세요. 주문 배송이 늦어지고 있습니다."),
        ("charset_ks_c_5601", "똠방각하 문의", "똠방각하 님, 감사합니다."),
        ("charset_iso2022jp", "お問い合わせ", "ご注文ありがとうございます。ｶﾀｶﾅ"),
        ("charset_gb2312", "朱镕基 订单", "朱镕基先生：您的订单已发货。"),
        ("charset_big5", "查詢", "你好㗎，請問訂單狀態。"),
        ("charset_cp1251", "Заказ", "Здравствуйте! Где мой заказ?"),
        ("charset_latin1_is_cp1252", "price", "\u201cQuoted\u201d costs 5 \u20ac \u2013 ok"),
        ("charset_utf7", "Grüße", "Grüße aus Köln – 東京"),
        ("charset_unknown_label", "unknown", "Crème brûlée – naïve"),
        ("charset_mislabelled_utf8", "mislabelled", "Café crème à Zürich"),
        ("charset_ascii_label_utf8_body", "ascii", "Grüße"),
    ],
)
def test_charsets(name: str, subject: str, text: str) -> None:
    p = load(name)
    assert p.parse_error is None
    assert p.subject == subject
    assert p.text == text
    assert p.new_text == text and p.quoted_text == ""


def test_encoded_word_names_and_addresses() -> None:
    p = load("charset_euckr")
    assert (p.from_name, p.from_email) == ("김철수", "kim@example.kr")
    assert p.message_id == "euckr-1@example.kr"
    assert p.date == datetime(2024, 6, 4, 0, 30, tzinfo=timezone.utc)


def test_malformed_encoded_words() -> None:
    p = load("headers_malformed_ew")
    # multi-byte character split across encoded words, broken padding, spaces in Q text, unknown charset
    assert p.subject == "한국parttwo wordscafé"
    assert (p.from_name, p.from_email) == ("Müller, Hans", "hans@example.de")
    # the encoded comma does not split the address; garbage entries are skipped
    assert p.to == [("Doe, John", "john@example.com"), ("Weird", "weird@example.com")]
    assert p.cc == []
    assert p.headers["from"] == '"Müller, Hans" <Hans@Example.DE>'


@pytest.mark.parametrize(
    "name, subject, from_name",
    [
        ("headers_raw8bit_utf8", "Bestellung über 3 Stück", "Jürgen Groß"),
        ("headers_raw8bit_euckr", "환불 요청", "홍길동"),
        ("headers_raw8bit_euckr_nohint", "환불 요청 드립니다", "홍길동"),
    ],
)
def test_raw_8bit_headers(name: str, subject: str, from_name: str) -> None:
    p = load(name)
    assert p.subject == subject
    assert p.from_name == from_name
    assert p.headers["subject"] == subject
    assert all("\ufffd" not in v and not any(0xD800 <= ord(c) <= 0xDFFF for c in v) for v in p.headers.values())


def test_missing_headers() -> None:
    p = load("headers_missing")
    assert p.message_id is None and p.date is None and p.from_email is None and p.from_name == ""
    assert p.subject == "no from, no date, no id"
    assert p.text == "Just a body."
    assert auto_reply_suppressed(p)  # nobody to answer


def test_bad_date_and_bare_message_id() -> None:
    p = load("headers_bad_date")
    assert p.date is None
    assert p.message_id == "no-brackets-id@example.com"
    assert p.parse_error is None


def test_dates_are_aware_utc() -> None:
    p = load("headers_raw8bit_utf8")
    assert p.date == datetime(2024, 6, 4, 7, 30, tzinfo=timezone.utc)
    assert p.date.utcoffset().total_seconds() == 0
    naive = parse_message(b"From: a@b.c\nDate: Tue, 04 Jun 2024 09:30:00 -0000\n\nx")
    assert naive.date == datetime(2024, 6, 4, 9, 30, tzinfo=timezone.utc)


def test_binary_garbage() -> None:
    p = load("garbage_binary")
    assert p.parse_error
    assert "0123456789" in p.text
    assert "\x00" not in p.text


def test_alternative_related_cid() -> None:
    p = load("alternative_related_cid")
    assert p.text == "Plain version of the mail."
    assert p.html is not None and "<b>version</b>" in p.html and "cid:logo@example.com" in p.html
    [img] = p.attachments
    assert img.content_id == "logo@example.com" and img.inline is True
    assert img.content_type == "image/png" and img.data.startswith(b"\x89PNG")
    assert img.filename == "image-1.png"


def test_html_only_derives_text_without_script_or_style() -> None:
    p = load("html_only")
    assert "Thanks for the quick answer & help!" in p.text
    for secret in ("SCRIPT-SECRET", "STYLE-SECRET", "TITLE-SECRET", "<p>", "&amp;"):
        assert secret not in p.text
    assert "<script>" in p.html  # html is kept as received; sanitising is the web layer's job
    assert p.new_text == "Thanks for the quick answer & help!"
    assert "Please send the invoice." in p.quoted_text


def test_html_meta_charset() -> None:
    p = load("html_meta_charset")
    assert p.text == "Preis: 5 €"


def test_rfc2231_and_encoded_filenames() -> None:
    names = [a.filename for a in load("rfc2231_names").attachments]
    assert names == ["€ Rechnung März.pdf", "Grüße aus Köln.pdf", "견적서.pdf", "報告書.xlsx", "long-name.txt"]


def test_odd_attachment_names() -> None:
    p = load("odd_names")
    names = [a.filename for a in p.attachments]
    assert names[0] == "attachment-1.pdf"  # named from its type, numbered: never lost for want of a name
    assert names[1] == "passwd"
    assert names[2] == "run.exe"
    assert "\u202e" not in names[3] and "\x07" not in names[3] and names[3].startswith("inv")
    assert len(names[4]) <= 255 and names[4].endswith(".pdf")
    assert names[5] == "image-2.jpg"
    for name in names:
        assert "/" not in name and "\\" not in name and not any(ord(c) < 32 for c in name)
    assert p.text == "files"
    assert [a.data for a in p.attachments][:2] == [b"NONAME", b"P"]


def test_forwarded_rfc822_kept_as_eml() -> None:
    p = load("forward_rfc822")
    assert p.text == "Forwarding this."
    [fwd] = p.attachments
    assert fwd.content_type == "message/rfc822"
    assert fwd.filename == "Original über.eml"
    inner = parse_message(fwd.data)
    assert inner.message_id == "orig@example.net" and inner.text == "The original text."


def test_multipart_without_boundary_and_flowed() -> None:
    assert load("broken_multipart_no_boundary").text == "Text without boundary"
    assert load("flowed").text == "This is a long line that was soft broken by the client.\n-- \nAlice"


@pytest.mark.parametrize(
    "name, new, quoted_start",
    [
        ("quote_en_gmail", "Thanks, that worked!", "On Mon, Jun 3, 2024"),
        ("quote_de", "Danke!", "Am 03.06.2024"),
        ("quote_fr", "Merci !", "Le lun. 3 juin"),
        ("quote_ko", "감사합니다.", "2024년 6월 3일"),
        ("quote_ja", "ありがとうございます。", "2024年6月3日"),
        ("quote_ja_message", "了解です。", "2024/06/03"),
        ("quote_outlook_separator", "Works now.", "-----Original Message-----"),
        ("quote_outlook_block", "Works now.", "_____"),
        ("quote_gt_only", "My answer.", "> earlier text"),
        ("quote_signature", "Short reply.\n\n-- \nAlice Example\nACME Corp", "On Mon, 3 Jun 2024, Bob wrote:"),
    ],
)
def test_reply_quotes(name: str, new: str, quoted_start: str) -> None:
    p = load(name)
    assert p.new_text == new
    assert p.quoted_text.startswith(quoted_start)
    assert p.text.startswith(new)  # text stays whole
    assert p.in_reply_to == ["question@example.org"]


@pytest.mark.parametrize(
    "name, auto, bulk, bounce",
    [
        ("auto_submitted", True, False, False),
        ("auto_submitted_no", False, False, False),
        ("x_autoreply", True, False, False),
        ("x_autorespond", True, False, False),
        ("x_auto_response_suppress", True, False, False),
        ("precedence_auto_reply", True, False, False),
        ("precedence_bulk", False, True, False),
        ("list_id", False, True, False),
        ("list_unsubscribe", False, True, False),
        ("bounce_dsn_rfc822", False, False, True),
        ("bounce_dsn_headers_only", False, False, True),
        ("bounce_plain_mailer_daemon", False, False, True),
        ("not_bounce_null_return_path", False, False, False),
        ("plain_human", False, False, False),
    ],
)
def test_classifier(name: str, auto: bool, bulk: bool, bounce: bool) -> None:
    p = load(name)
    assert (p.is_auto_reply, p.is_bulk, p.is_bounce) == (auto, bulk, bounce)
    assert auto_reply_suppressed(p) == (auto or bulk or bounce)


@pytest.mark.parametrize(
    "name, original",
    [
        ("bounce_dsn_rfc822", "reply-42@support.example.org"),
        ("bounce_dsn_headers_only", "reply-43@support.example.org"),
        ("bounce_plain_mailer_daemon", "reply-44@support.example.org"),
    ],
)
def test_bounced_message_ids(name: str, original: str) -> None:
    p = load(name)
    assert p.bounced_message_ids == [original]
    assert p.message_id not in p.bounced_message_ids


def test_original_message_id_header_in_dsn() -> None:
    raw = (
        b"From: MAILER-DAEMON@mx.example.org\r\nSubject: failed\r\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="R"\r\n\r\n'
        b"--R\r\nContent-Type: text/plain\r\n\r\nfailed\r\n--R\r\nContent-Type: message/delivery-status\r\n\r\n"
        b"Reporting-MTA: dns; mx\r\nOriginal-Message-ID: <orig-7@support.example.org>\r\n\r\n"
        b"Final-Recipient: rfc822; x@y.z\r\nAction: failed\r\n--R--\r\n"
    )
    p = parse_message(raw)
    assert p.is_bounce and p.bounced_message_ids == ["orig-7@support.example.org"]


def test_suppress_header_alone_suppresses_auto_reply() -> None:
    p = parse_message(b"From: a@example.com\r\nX-Auto-Response-Suppress: \r\nSubject: hi\r\n\r\nx")
    assert auto_reply_suppressed(p)


def test_headers_dict_first_value_lowercase() -> None:
    p = parse_message(b"From: a@example.com\r\nX-Thing: one\r\nx-thing: two\r\nSubject: =?utf-8?q?caf=C3=A9?=\r\n\r\nx")
    assert p.headers["x-thing"] == "one" and p.headers["subject"] == "café"


def test_garbage_addresses_skipped() -> None:
    p = parse_message(
        b'From: <<<@@>>>\r\nTo: ,,, ; <>, "" <>, ok@Example.com, a b c\r\nCc: undisclosed-recipients:;\r\n\r\nx'
    )
    assert p.from_email is None
    assert p.to == [("", "ok@example.com")]
    assert p.cc == []


def test_dedup_key_ignores_transport_headers() -> None:
    raw = (CORPUS / "plain_human.eml").read_bytes()
    again = b"Received: from mx2 by mx3; Tue, 04 Jun 2024\r\n" + raw
    assert dedup_key(raw, "human@example.com") == dedup_key(again, "human@example.com")


def test_big_base64_attachment_bytes_exact_and_text_untouched() -> None:
    import base64
    import random

    blob = random.Random(7).randbytes(150_000)
    armored = "\r\n".join(base64.b64encode(random.Random(8).randbytes(48)).decode() for _ in range(100))
    raw = (
        b"From: a@example.com\r\nSubject: big\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
        b"--b\r\nContent-Type: text/plain\r\n\r\n" + armored.encode() + b"\r\n"
        b"--b\r\nContent-Type: application/octet-stream; name=x.bin\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + base64.encodebytes(blob).replace(b"\n", b"\r\n")
        + b"--b--\r\n"
    )
    for variant in (raw, raw.replace(b"\r\n", b"\n")):
        p = parse_message(variant)
        assert p.attachments[0].data == blob and p.attachments[0].filename == "x.bin"
        assert p.text == armored.replace("\r\n", "\n")  # base64-looking text lines keep their breaks


def test_html_to_text_structure() -> None:
    from inbox.mail.parse.html_text import html_to_text

    doc = (
        "<DIV><div>a</div><div>b</div></DIV><p>one<br><br>two</p><table><tr><td>x</td><td>y</td></tr>"
        "<tr><td>z</td></tr></table><ul><li>i1<li>i2</ul><blockquote><p>q</p><blockquote>qq</blockquote></blockquote>"
        "<!-- hidden --><Style>p{}</Style>&lt;b&gt; &eacute;<script>never shown"
    )
    assert html_to_text(doc) == "a\nb\n\none\n\ntwo\n\nx y\nz\n\n- i1\n- i2\n\n> q\n\n>> qq\n\n<b> é"
