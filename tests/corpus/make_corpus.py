"""Writes the tricky-mail corpus (*.eml) next to this file. Run once; the .eml files are committed.

Messages are assembled from bytes so every charset, broken header and odd structure is exactly what
a hostile or sloppy mailer would send, not what Python's email generator would produce.
"""

from __future__ import annotations

import base64
from pathlib import Path

HERE = Path(__file__).parent


def b64(data: bytes) -> bytes:
    return base64.b64encode(data)


def ew(text: str, charset: str, enc: str = "B") -> bytes:
    data = text.encode(charset)
    body = (
        b64(data)
        if enc == "B"
        else b"".join(
            b"_" if c == 32 else (bytes([c]) if 48 <= c < 123 and c not in (61, 63, 95) else b"=%02X" % c) for c in data
        )
    )
    return b"=?" + charset.encode() + b"?" + enc.encode() + b"?" + body + b"?="


def simple(
    headers: list[bytes], body: bytes, ctype: bytes = b"text/plain; charset=utf-8", cte: bytes = b"8bit"
) -> bytes:
    head = b"\r\n".join(
        headers + [b"MIME-Version: 1.0", b"Content-Type: " + ctype, b"Content-Transfer-Encoding: " + cte]
    )
    return head + b"\r\n\r\n" + body


BASE = [b"From: Alice <alice@example.com>", b"To: support@example.org", b"Date: Tue, 04 Jun 2024 09:30:00 +0900"]

CORPUS: dict[str, bytes] = {}

# --- charsets --------------------------------------------------------------------------------
CORPUS["charset_euckr"] = simple(
    [
        b"From: " + ew("김철수", "euc-kr") + b" <KIM@Example.KR>",
        b"To: support@example.org",
        b"Subject: " + ew("주문 문의", "euc-kr"),
        b"Message-ID: <euckr-1@example.kr>",
        b"Date: Tue, 04 Jun 2024 09:30:00 +0900",
    ],
    "안녕하세요. 주문 배송이 늦어지고 있습니다.".encode("euc-kr"),
    b"text/plain; charset=euc-kr",
)
CORPUS["charset_ks_c_5601"] = simple(
    BASE
    + [
        b"Subject: " + ew("똠방각하 문의", "cp949").replace(b"cp949", b"ks_c_5601-1987"),
        b"Message-ID: <ksc@example.kr>",
    ],
    b64("똠방각하 님, 감사합니다.".encode("cp949")),
    b'text/plain; charset="ks_c_5601-1987"',
    b"base64",
)
CORPUS["charset_iso2022jp"] = simple(
    BASE + [b"Subject: " + ew("お問い合わせ", "iso-2022-jp"), b"Message-ID: <jp@example.jp>"],
    "ご注文ありがとうございます。ｶﾀｶﾅ".encode("iso2022_jp_ext"),
    b"text/plain; charset=ISO-2022-JP",
    b"7bit",
)
CORPUS["charset_gb2312"] = simple(  # 镕 is GBK-only: a strict gb2312 decoder fails on it
    BASE + [b"Subject: " + ew("朱镕基 订单", "gb18030").replace(b"gb18030", b"gb2312"), b"Message-ID: <gb@example.cn>"],
    "朱镕基先生：您的订单已发货。".encode("gb18030"),
    b"text/plain; charset=gb2312",
)
CORPUS["charset_big5"] = simple(  # 㗎 only exists in HKSCS
    BASE + [b"Subject: " + ew("查詢", "big5"), b"Message-ID: <big5@example.hk>"],
    "你好㗎，請問訂單狀態。".encode("big5hkscs"),
    b"text/plain; charset=big5",
)
CORPUS["charset_cp1251"] = simple(
    BASE + [b"Subject: " + ew("Заказ", "windows-1251", "Q"), b"Message-ID: <ru@example.ru>"],
    "Здравствуйте! Где мой заказ?".encode("cp1251"),
    b"text/plain; charset=windows-1251",
)
CORPUS["charset_latin1_is_cp1252"] = simple(
    BASE + [b"Subject: price", b"Message-ID: <cp1252@example.com>"],
    "\u201cQuoted\u201d costs 5 \u20ac \u2013 ok".encode("cp1252"),
    b"text/plain; charset=iso-8859-1",
)
CORPUS["charset_utf7"] = simple(
    BASE + [b"Subject: " + ew("Grüße", "utf-7"), b"Message-ID: <u7@example.com>"],
    "Grüße aus Köln – 東京".encode("utf-7"),
    b"text/plain; charset=utf-7",
    b"7bit",
)
CORPUS["charset_unknown_label"] = simple(
    BASE + [b"Subject: unknown", b"Message-ID: <unk@example.com>"],
    "Crème brûlée – naïve".encode("utf-8"),
    b"text/plain; charset=x-totally-unknown",
)
CORPUS["charset_mislabelled_utf8"] = simple(  # says utf-8, is latin-1
    BASE + [b"Subject: mislabelled", b"Message-ID: <mis@example.com>"],
    "Café crème à Zürich".encode("latin-1"),
    b"text/plain; charset=utf-8",
)
CORPUS["charset_ascii_label_utf8_body"] = simple(
    BASE + [b"Subject: ascii", b"Message-ID: <asc@example.com>"], "Grüße".encode(), b"text/plain; charset=us-ascii"
)

# --- headers ---------------------------------------------------------------------------------
CORPUS["headers_malformed_ew"] = simple(
    [
        b'From: "=?utf-8?Q?M=C3=BCller,_Hans?=" <Hans@Example.DE>',
        b"To: =?utf-8?q?Doe,_John?= <john@example.com>, =?bogus-cs?Q?Weird?= <weird@example.com>, garbage@@, <>",
        b"Cc: =?UTF-8?B?7ZWc6rWt?=",  # group of nothing: encoded word without address
        b"Subject: =?utf-8?B?7ZWc?= =?utf-8?B?6rW?= =?utf-8?B?rQ==?=part=?utf-8?q?two words?= =?x-unknown?q?caf=E9?=",
        b"Message-ID: <mew@example.com>",
        b"Date: Tue, 04 Jun 2024 09:30:00 +0000",
    ],
    b"body",
)
CORPUS["headers_raw8bit_utf8"] = simple(
    [
        "From: Jürgen Groß <jg@example.de>".encode(),
        b"To: support@example.org",
        "Subject: Bestellung über 3 Stück".encode(),
        b"Message-ID: <raw8@example.de>",
        b"Date: Tue, 04 Jun 2024 09:30:00 +0200",
    ],
    "Grüße".encode(),
)
CORPUS["headers_raw8bit_euckr"] = simple(
    [
        "From: 홍길동 <hong@example.kr>".encode("euc-kr"),
        b"To: support@example.org",
        "Subject: 환불 요청".encode("euc-kr"),
        b"Message-ID: <raw8kr@example.kr>",
        b"Date: Tue, 04 Jun 2024 09:30:00 +0900",
    ],
    "환불해 주세요".encode("euc-kr"),
    b"text/plain; charset=euc-kr",
)
CORPUS["headers_raw8bit_euckr_nohint"] = simple(
    [
        "From: 홍길동 <hong@example.kr>".encode("euc-kr"),
        b"To: support@example.org",
        "Subject: 환불 요청 드립니다".encode("euc-kr"),
        b"Message-ID: <raw8kr2@example.kr>",
    ],
    b"plain ascii body",
    b"text/plain",
)
CORPUS["headers_missing"] = b"Subject: no from, no date, no id\r\n\r\nJust a body.\r\n"
CORPUS["headers_bad_date"] = simple(
    BASE[:2]
    + [b"Date: Someday, 99 Foo 20x4 25:61:00 +9999", b"Subject: bad date", b"Message-ID: no-brackets-id@example.com"],
    b"x",
)
CORPUS["garbage_binary"] = bytes(range(256)) * 4 + b"\x89PNG\r\n\x1a\n\x00\x00"

# --- structure -------------------------------------------------------------------------------
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
CORPUS["alternative_related_cid"] = b"\r\n".join(
    BASE
    + [
        b"Subject: alt",
        b"Message-ID: <alt@example.com>",
        b"MIME-Version: 1.0",
        b'Content-Type: multipart/alternative; boundary="ALT"',
        b"",
        b"--ALT",
        b"Content-Type: text/plain; charset=utf-8",
        b"",
        b"Plain version of the mail.",
        b"--ALT",
        b'Content-Type: multipart/related; boundary="REL"',
        b"",
        b"--REL",
        b"Content-Type: text/html; charset=utf-8",
        b"",
        b'<html><body><p>HTML <b>version</b></p><img src="cid:logo@example.com"></body></html>',
        b"--REL",
        b"Content-Type: image/png",
        b"Content-ID: <logo@example.com>",
        b"Content-Transfer-Encoding: base64",
        b"",
        b64(PNG),
        b"--REL--",
        b"--ALT--",
        b"",
    ]
)
CORPUS["html_only"] = simple(
    BASE + [b"Subject: html only", b"Message-ID: <html@example.com>"],
    (
        "<html><head><title>TITLE-SECRET</title><style>.x{color:red} STYLE-SECRET</style></head><body>"
        "<script>alert('SCRIPT-SECRET')</script><p>Thanks for the quick answer &amp; help!</p>"
        "<div>On Mon, Jun 3, 2024 at 10:00 AM Bob &lt;bob@example.org&gt; wrote:</div>"
        "<blockquote><p>Please send the invoice.</p></blockquote></body></html>"
    ).encode(),
    b"text/html; charset=utf-8",
)
CORPUS["html_meta_charset"] = simple(
    BASE + [b"Subject: meta", b"Message-ID: <meta@example.com>"],
    '<html><head><meta charset="windows-1252"></head><body>Preis: 5 \u20ac</body></html>'.encode("cp1252"),
    b"text/html",
)
CORPUS["rfc2231_names"] = b"\r\n".join(
    BASE
    + [
        b"Subject: names",
        b"Message-ID: <2231@example.com>",
        b"MIME-Version: 1.0",
        b'Content-Type: multipart/mixed; boundary="B"',
        b"",
        b"--B",
        b"Content-Type: text/plain",
        b"",
        b"see attached",
        b"--B",
        b"Content-Type: application/pdf",
        b"Content-Disposition: attachment; filename*=utf-8''%E2%82%AC%20Rechnung%20M%C3%A4rz.pdf",
        b"",
        b"PDF1",
        b"--B",
        b"Content-Type: application/pdf",
        b"Content-Disposition: attachment;\r\n filename*0*=iso-8859-1''Gr%FC%DFe%20;\r\n filename*1*=aus%20K%F6ln.pdf",
        b"",
        b"PDF2",
        b"--B",
        b'Content-Type: application/pdf; name="=?utf-8?B?' + b64("견적서.pdf".encode()) + b'?="',
        b"Content-Disposition: attachment",
        b"",
        b"PDF3",
        b"--B",
        b"Content-Type: application/octet-stream",
        'Content-Disposition: attachment; filename="報告書.xlsx"'.encode(),
        b"",
        b"XLSX",
        b"--B",
        b'Content-Type: text/plain; name*0="long"; name*1="-name.txt"',
        b"Content-Disposition: attachment",
        b"",
        b"TXT",
        b"--B--",
        b"",
    ]
)
CORPUS["odd_names"] = b"\r\n".join(
    BASE
    + [
        b"Subject: odd",
        b"Message-ID: <odd@example.com>",
        b"MIME-Version: 1.0",
        b'Content-Type: multipart/mixed; boundary="B"',
        b"",
        b"--B",
        b"Content-Type: text/plain",
        b"",
        b"files",
        b"--B",
        b"Content-Type: application/pdf",
        b"Content-Disposition: attachment",
        b"",
        b"NONAME",
        b"--B",
        b"Content-Type: application/octet-stream",
        b'Content-Disposition: attachment; filename="../../etc/passwd"',
        b"",
        b"P",
        b"--B",
        b"Content-Type: application/octet-stream",
        b'Content-Disposition: attachment; filename="C:\\\\Users\\\\evil\\\\run.exe"',
        b"",
        b"E",
        b"--B",
        b"Content-Type: application/octet-stream",
        'Content-Disposition: attachment; filename="inv\u202egnp.exe\x07\tx"'.encode(),
        b"",
        b"R",
        b"--B",
        b"Content-Type: application/pdf",
        b'Content-Disposition: attachment; filename="' + b"a" * 400 + b'.pdf"',
        b"",
        b"L",
        b"--B",
        b"Content-Type: image/jpeg",
        b"Content-Disposition: inline",
        b"",
        b"JPEG",
        b"--B--",
        b"",
    ]
)
CORPUS["forward_rfc822"] = b"\r\n".join(
    BASE
    + [
        b"Subject: Fwd: original",
        b"Message-ID: <fwd@example.com>",
        b"MIME-Version: 1.0",
        b'Content-Type: multipart/mixed; boundary="B"',
        b"",
        b"--B",
        b"Content-Type: text/plain",
        b"",
        b"Forwarding this.",
        b"--B",
        b"Content-Type: message/rfc822",
        b"Content-Disposition: inline",
        b"",
        b"From: Carol <carol@example.net>",
        b"Subject: =?utf-8?q?Original_=C3=BCber?=",
        b"Message-ID: <orig@example.net>",
        b"Content-Type: text/plain",
        b"",
        b"The original text.",
        b"--B--",
        b"",
    ]
)
CORPUS["broken_multipart_no_boundary"] = simple(
    BASE + [b"Subject: nob", b"Message-ID: <nob@example.com>"], b"Text without boundary", b"multipart/mixed"
)
CORPUS["flowed"] = simple(
    BASE + [b"Subject: flowed", b"Message-ID: <flow@example.com>"],
    b"This is a long line that was \r\nsoft broken by the client.\r\n-- \r\nAlice",
    b"text/plain; charset=utf-8; format=flowed",
)

# --- replies (quote styles) -------------------------------------------------------------------
QUOTES = {
    "quote_en_gmail": "Thanks, that worked!\n\nOn Mon, Jun 3, 2024 at 10:00 AM Bob Support <bob@example.org>\nwrote:\n\n> Please try again.\n> Bob\n",
    "quote_de": "Danke!\n\nAm 03.06.2024 um 10:00 schrieb Bob Support <bob@example.org>:\n> Bitte erneut versuchen.\n",
    "quote_fr": "Merci !\n\nLe lun. 3 juin 2024 à 10:00, Bob <bob@example.org> a écrit :\n> Essayez encore.\n",
    "quote_ko": "감사합니다.\n\n2024년 6월 3일 (월) 오전 10:00, Bob <bob@example.org>님이 작성:\n> 다시 시도하세요.\n",
    "quote_ja": "ありがとうございます。\n\n2024年6月3日(月) 10:00 Bob <bob@example.org>:\n> もう一度お試しください。\n",
    "quote_ja_message": "了解です。\n\n2024/06/03 10:00、Bob Supportのメッセージ:\n\nもう一度お試しください。\n",
    "quote_outlook_separator": "Works now.\n\n-----Original Message-----\nFrom: Bob\nSent: Monday\nTo: Alice\nSubject: Re\n\nTry again.\n",
    "quote_outlook_block": "Works now.\n\n________________________________\nFrom: Bob Support <bob@example.org>\nSent: Monday, June 3, 2024 10:00 AM\nTo: Alice <alice@example.com>\nSubject: RE: help\n\nTry again.\n",
    "quote_gt_only": "My answer.\n\n> earlier text\n> more earlier text\n",
    "quote_signature": "Short reply.\n\n-- \nAlice Example\nACME Corp\n\nOn Mon, 3 Jun 2024, Bob wrote:\n> old\n",
}
for name, text in QUOTES.items():
    CORPUS[name] = simple(
        BASE
        + [
            b"Subject: Re: help",
            b"Message-ID: <%s@example.com>" % name.encode(),
            b"In-Reply-To: <question@example.org>",
        ],
        text.replace("\n", "\r\n").encode(),
    )

# --- classifier -------------------------------------------------------------------------------
CORPUS["auto_submitted"] = simple(BASE + [b"Subject: Away", b"Auto-Submitted: auto-replied"], b"I am away.")
CORPUS["auto_submitted_no"] = simple(BASE + [b"Subject: Hi", b"Auto-Submitted: no"], b"Human.")
CORPUS["x_autoreply"] = simple(BASE + [b"Subject: Away", b"X-Autoreply: yes"], b"away")
CORPUS["x_autorespond"] = simple(BASE + [b"Subject: Away", b"X-Autorespond: Out of office"], b"away")
CORPUS["x_auto_response_suppress"] = simple(
    BASE + [b"Subject: Automatic reply: help", b"X-Auto-Response-Suppress: All"], b"away"
)
CORPUS["precedence_auto_reply"] = simple(BASE + [b"Subject: Away", b"Precedence: auto_reply"], b"away")
CORPUS["precedence_bulk"] = simple(BASE + [b"Subject: News", b"Precedence: bulk"], b"news")
CORPUS["list_id"] = simple(BASE + [b"Subject: [list] topic", b"List-Id: Users <users.lists.example.org>"], b"list")
CORPUS["list_unsubscribe"] = simple(BASE + [b"Subject: Offer", b"List-Unsubscribe: <mailto:u@example.org>"], b"ad")
CORPUS["bounce_dsn_rfc822"] = b"\r\n".join(
    [
        b"Return-Path: <>",
        b"From: Mail Delivery System <MAILER-DAEMON@mx.example.org>",
        b"To: support@example.org",
        b"Subject: Undelivered Mail Returned to Sender",
        b"Message-ID: <bounce-1@mx.example.org>",
        b"Date: Tue, 04 Jun 2024 09:30:00 +0000",
        b"MIME-Version: 1.0",
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="R"',
        b"",
        b"--R",
        b"Content-Type: text/plain",
        b"",
        b"Your message could not be delivered.",
        b"--R",
        b"Content-Type: message/delivery-status",
        b"",
        b"Reporting-MTA: dns; mx.example.org",
        b"",
        b"Final-Recipient: rfc822; gone@example.net",
        b"Action: failed",
        b"Status: 5.1.1",
        b"--R",
        b"Content-Type: message/rfc822",
        b"",
        b"From: support@example.org",
        b"To: gone@example.net",
        b"Subject: Re: your ticket",
        b"Message-ID: <reply-42@support.example.org>",
        b"",
        b"Hello",
        b"--R--",
        b"",
    ]
)
CORPUS["bounce_dsn_headers_only"] = b"\r\n".join(
    [
        b"From: postmaster@mx.example.org",
        b"To: support@example.org",
        b"Subject: Delivery Status Notification",
        b'Content-Type: multipart/report; report-type="delivery-status"; boundary="R"',
        b"",
        b"--R",
        b"Content-Type: text/plain",
        b"",
        b"Failed.",
        b"--R",
        b"Content-Type: message/delivery-status",
        b"",
        b"Reporting-MTA: dns; mx.example.org",
        b"",
        b"Final-Recipient: rfc822; gone@example.net",
        b"Action: failed",
        b"--R",
        b"Content-Type: text/rfc822-headers",
        b"",
        b"From: support@example.org",
        b"Message-ID: <reply-43@support.example.org>",
        b"Subject: hi",
        b"--R--",
        b"",
    ]
)
CORPUS["bounce_plain_mailer_daemon"] = simple(
    [
        b"Return-Path: <>",
        b"From: MAILER-DAEMON (Mail Delivery System)",
        b"To: support@example.org",
        b"Subject: failure notice",
        b"In-Reply-To: <reply-44@support.example.org>",
    ],
    b"Hi. This is the qmail-send program.\r\nSorry, we couldn't deliver.\r\n",
)
CORPUS["not_bounce_null_return_path"] = simple([b"Return-Path: <>"] + BASE + [b"Subject: hello"], b"hi")
CORPUS["plain_human"] = simple(
    BASE + [b"Subject: Question", b"Message-ID: <human@example.com>"], b"Where is my order #1234?"
)


def main() -> None:
    for name, data in CORPUS.items():
        (HERE / f"{name}.eml").write_bytes(data)


if __name__ == "__main__":
    main()
