"""Hangul in outgoing mail: subjects and display names as RFC 2047 encoded words, attachment
filenames as RFC 2231 parameters, all 7-bit on the wire; through a real SMTP server, a real Dovecot
(APPEND, then FETCH) and our own parser, every value comes back exactly."""

from __future__ import annotations

import re

from inbox.mail.outbound import compose
from inbox.mail.outbound.smtp import SmtpSession
from inbox.mail.parse import parse_message

# long enough that every header must fold, so encoded words are split across lines
SUBJECT = "Re: [#1042] 주문하신 상품의 배송이 늦어져서 정말 죄송합니다 — 내일 오전 중으로 출고될 예정입니다"
FROM_NAME = "쇼핑몰 고객지원팀 김민지"
TO_NAME = "이서준 (VIP 고객님, 서울특별시 강남구)"
CC_NAME = "박지훈"
FILENAMES = [
    "주문내역서_2026년12월_최종본(수정).pdf",
    "배송 안내.txt",
    "영수증 사본 — 서울특별시 강남구 테헤란로 152 쇼핑몰.png",
]
PAYLOADS = [
    b"%PDF-1.4 \x00\xff binary \xe2\x80\x94",
    "배송은 내일 출발합니다.\r\n".encode("utf-8"),
    b"\x89PNG\r\n\x1a\n" + bytes(range(256)),
]
CONTENT_TYPES = ["application/pdf", "text/plain", "image/png"]


def build() -> bytes:
    msg = compose.build_message(
        from_addr=compose.address(FROM_NAME, "help@shop.test"),
        to=compose.addresses([(TO_NAME, "seojun@customer.test")]),
        cc=compose.addresses([(CC_NAME, "jihoon@customer.test")]),
        subject=SUBJECT,
        message_id="hangul-1@shop.test",
        text="안녕하세요, 고객님.\n배송이 늦어져 죄송합니다.",
        attachments=[
            compose.OutAttachment(filename=f, content_type=t, data=d)
            for f, t, d in zip(FILENAMES, CONTENT_TYPES, PAYLOADS)
        ],
    )
    return msg.as_bytes(policy=compose.POLICY)


def test_headers_are_encoded_per_rfc_2047_and_2231():
    raw = build()
    raw.decode("ascii")  # 7-bit: every byte ASCII, no relay needs SMTPUTF8 or 8BITMIME
    head = raw.split(b"\r\n\r\n", 1)[0].decode("ascii")
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998
    unfolded = re.sub(r"\r\n[ \t]", " ", head).replace("\r\n", "\n")
    subject = re.search(r"^Subject: (.*)$", unfolded, re.M).group(1)
    assert subject.startswith("Re: [#1042] =?utf-8?") and "배송" not in subject  # RFC 2047 encoded words
    assert re.search(r"^From: =\?utf-8\?[bq]\?.*\?= <help@shop.test>$", unfolded, re.M)
    assert re.search(r"^Cc: =\?utf-8\?[bq]\?.*\?= <jihoon@customer.test>$", unfolded, re.M)
    # RFC 2231: filename*=utf-8''<percent-encoded> (continued as filename*0*, *1* when long)
    body = raw.decode("ascii")
    assert "filename*=utf-8''%EB%B0%B0%EC%86%A1%20%EC%95%88%EB%82%B4.txt" in body
    assert re.search(r"filename\*0\*=utf-8''", body)  # the long name is split into continuations


def test_round_trip_through_smtp_dovecot_and_our_parser(mailbox, smtp_sink, dovecot, imap_account):
    raw = build()
    with SmtpSession(mailbox) as session:
        session.send("help@shop.test", ["seojun@customer.test"], raw)
    (envelope,) = smtp_sink.wait_for(1)
    relayed = envelope.content
    assert relayed.rstrip(b"\r\n") == raw.rstrip(b"\r\n")  # the SMTP hop changes nothing
    user = imap_account[0]
    uid = dovecot.append(user, relayed)
    with dovecot.client(user) as client:
        client.select_folder("INBOX", readonly=True)
        stored = client.fetch([uid], ["BODY.PEEK[]"])[uid][b"BODY[]"]
    assert stored.rstrip(b"\r\n") == raw.rstrip(b"\r\n")  # Dovecot keeps the bytes as they were sent

    parsed = parse_message(stored)
    assert parsed.parse_error is None
    assert parsed.subject == SUBJECT
    assert parsed.from_name == FROM_NAME and parsed.from_email == "help@shop.test"
    assert parsed.to == [(TO_NAME, "seojun@customer.test")]
    assert parsed.cc == [(CC_NAME, "jihoon@customer.test")]
    assert parsed.text.strip() == "안녕하세요, 고객님.\n배송이 늦어져 죄송합니다."
    assert [a.filename for a in parsed.attachments] == FILENAMES
    assert [a.data for a in parsed.attachments] == PAYLOADS  # byte for byte
    assert [a.content_type for a in parsed.attachments] == CONTENT_TYPES


def test_recipients_typed_or_prefilled_keep_hangul_names_until_the_wire():
    """The reply form shows and reads 'Name <addr>' as text; a Hangul name must stay text there (not
    =?utf-8?b?...?=), or it would be encoded a second time and reach the customer as garbage."""
    from inbox.web.compose import _addresses

    typed = _addresses(f"{TO_NAME} <seojun@customer.test>; 김민지 <minji@customer.test>, plain@customer.test")
    assert typed == [f'"{TO_NAME}" <seojun@customer.test>', "김민지 <minji@customer.test>", "plain@customer.test"]
    msg = compose.build_message(
        from_addr=compose.address(FROM_NAME, "help@shop.test"),
        to=compose.addresses(typed),
        subject=SUBJECT,
        message_id="hangul-2@shop.test",
        text="확인했습니다.",
    )
    parsed = parse_message(msg.as_bytes(policy=compose.POLICY))
    assert parsed.to == [
        (TO_NAME, "seojun@customer.test"),
        ("김민지", "minji@customer.test"),
        ("", "plain@customer.test"),
    ]


def test_reply_form_prefills_the_customer_with_a_readable_hangul_name(app, client):
    from test_web_support import login, make_conversation, make_mailbox, make_user

    box = make_mailbox("고객지원", email="help@shop.test")
    agent = make_user("김민지", role="admin")
    conv = make_conversation(
        box, "배송 문의", text="배송이 늦어요", customer_email="seojun@customer.test", customer_name="이서준"
    )
    login(client, agent)
    html = client.get(f"/conversations/{conv.number}").get_data(as_text=True)
    assert 'value="이서준 &lt;seojun@customer.test&gt;"' in html and "=?utf-8?" not in html
