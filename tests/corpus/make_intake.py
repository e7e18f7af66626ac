"""Writes the intake corpus (intake_*.eml) next to this file and its expectations into
tests/corpus_expected.json. Run once; both are committed.

Real-world breakage this project wrote itself, modelled on what public corpora and bug trackers
show: junk before headers, misspelt header names, broken senders, mislabelled and unlabelled
charsets, attachment names, bounces from many MTAs, auto-replies, and people whose mail only
looks automatic. The expectations are true by construction (the text that went in).
"""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
from make_corpus import ew  # noqa: E402

DATE = b"Date: Wed, 05 Jun 2024 10:00:00 +0200"
TO = b"To: support@example.org"
MESSAGES: dict[str, tuple[bytes, dict]] = {}


def msg(
    name: str,
    head: list[bytes],
    body: bytes,
    expect: dict,
    ctype: bytes = b"text/plain; charset=utf-8",
    cte: bytes = b"8bit",
    eol: bytes = b"\r\n",
) -> None:
    lines = head + [b"MIME-Version: 1.0", b"Content-Type: " + ctype, b"Content-Transfer-Encoding: " + cte]
    MESSAGES[name] = (eol.join(lines) + eol + eol + body, expect)


def human(subject: str, sender: str, snippet: str, **more) -> dict:
    return {
        "subject": subject,
        "from": sender,
        "snippet": snippet,
        "attachments": [],
        "bounce": False,
        "auto_reply": False,
        **more,
    }


# --- headers after junk, misspelt names, missing colons ------------------------------------------
STD = [b"From: Nora Field <nora@field.example>", TO, DATE]
msg(
    "intake_banner_original",
    [b"---- Original email message ----"] + STD + [b"Subject: Forwarded order question"],
    b"Could you check order 5521?",
    human("Forwarded order question", "nora@field.example", "Could you check order 5521?"),
)
msg(
    "intake_banner_forwarded",
    [b"-------- Forwarded Message --------"] + STD + [b"Subject: Fwd: invoice"],
    b"See the invoice below.",
    human("Fwd: invoice", "nora@field.example", "See the invoice below."),
)
msg(
    "intake_blank_first_line",
    [b""] + STD + [b"Subject: Blank line on top"],
    b"The header starts late.",
    human("Blank line on top", "nora@field.example", "The header starts late."),
)
msg(
    "intake_mbox_from_line",
    [b"From nora@field.example Wed Jun  5 10:00:00 2024"] + STD + [b"Subject: mbox copy"],
    b"Saved from an mbox file.",
    human("mbox copy", "nora@field.example", "Saved from an mbox file."),
    eol=b"\n",
)
msg(
    "intake_mbox_then_banner",
    [b"From nora@field.example Wed Jun  5 10:00:00 2024", b"===== Begin forwarded message ====="]
    + STD
    + [b"Subject: two kinds of junk"],
    b"Both junk lines go.",
    human("two kinds of junk", "nora@field.example", "Both junk lines go."),
    eol=b"\n",
)
msg(
    "intake_space_broken_from",
    [b"Fro : Nora Field <nora@field.example>", TO, DATE, b"Subject: space broken name"],
    b"The From line is broken.",
    human("space broken name", "nora@field.example", "The From line is broken."),
)
msg(
    "intake_subject_space_colon",
    [b"From: nora@field.example", TO, b"Subject : Colon after a space", DATE],
    b"Outlook plugins write this.",
    human("Colon after a space", "nora@field.example", "Outlook plugins write this."),
)
msg(
    "intake_missing_colon",
    [b"From: nora@field.example", TO, b"Subject Where is my refund", DATE],
    b"No colon after Subject.",
    human("Where is my refund", "nora@field.example", "No colon after Subject."),
)
msg(
    "intake_misspelt_subject",
    [b"From: nora@field.example", TO, b"Subjet: Typo in the name", DATE],
    b"A misspelt header name.",
    human("Typo in the name", "nora@field.example", "A misspelt header name."),
)
msg(
    "intake_reply_to_space",
    [b"From: nora@field.example", b"Reply To: Nora <nora@home.example>", TO, b"Subject: reply to with a space", DATE],
    b"Reply To without a dash.",
    human("reply to with a space", "nora@field.example", "Reply To without a dash."),
)
msg(
    "intake_stray_line_in_head",
    [b"From: nora@field.example", b"this line is junk", TO, b"Subject: stray line", DATE],
    b"One junk line inside the header block.",
    human("stray line", "nora@field.example", "One junk line inside the header block."),
)
msg("intake_no_header_at_all", [], b"", {})  # replaced below: raw text with no header block
MESSAGES["intake_no_header_at_all"] = (
    b"Hello,\r\nI only pasted the text of my question here.\r\nThanks, Nora\r\n",
    {
        "snippet": "I only pasted the text of my question here.",
        "parse_error": True,
        "bounce": False,
        "auto_reply": False,
        "attachments": [],
    },
)

# --- senders -------------------------------------------------------------------------------------
msg(
    "intake_from_unbalanced_quote",
    [b'From: "Nora Field <nora@field.example>', TO, DATE, b"Subject: unbalanced quote"],
    b"An unclosed quote.",
    human("unbalanced quote", "nora@field.example", "An unclosed quote."),
)
msg(
    "intake_from_unbalanced_bracket",
    [b"From: Nora Field nora@field.example>", TO, DATE, b"Subject: unbalanced bracket"],
    b"A lone closing bracket.",
    human("unbalanced bracket", "nora@field.example", "A lone closing bracket."),
)
msg(
    "intake_from_at_in_name",
    [b"From: nora@field.example <nora@field.example>", TO, DATE, b"Subject: at in name"],
    b"The display name is the address.",
    human("at in name", "nora@field.example", "The display name is the address."),
)
msg(
    "intake_from_bare_local_reply_to",
    [b"From: nora", b"Reply-To: Nora Field <nora@field.example>", TO, DATE, b"Subject: bare local part"],
    b"Only a local part in From.",
    human("bare local part", "nora@field.example", "Only a local part in From."),
)
msg(
    "intake_from_only_sender",
    [b"Sender: Nora Field <nora@field.example>", TO, DATE, b"Subject: only Sender"],
    b"No From header at all.",
    human("only Sender", "nora@field.example", "No From header at all."),
)
msg(
    "intake_from_only_return_path",
    [b"Return-Path: <nora@field.example>", b"From: Nora Field", TO, DATE, b"Subject: only Return-Path"],
    b"The address is in Return-Path.",
    human("only Return-Path", "nora@field.example", "The address is in Return-Path."),
)
msg(
    "intake_from_encoded_comma_name",
    [
        b"From: " + ew("Field, Nora", "utf-8", "Q") + b" <nora@field.example>",
        TO,
        DATE,
        b"Subject: comma in encoded name",
    ],
    b"A comma inside an encoded word.",
    human("comma in encoded name", "nora@field.example", "A comma inside an encoded word."),
)

# --- charsets ------------------------------------------------------------------------------------
msg(
    "intake_gbk_labelled_gb2312",
    [
        b"From: li@shop.example.cn",
        TO,
        DATE,
        b"Subject: " + ew("朱镕基的订单", "gb18030").replace(b"gb18030", b"gb2312"),
    ],
    "镕铁的订单还没有到，请帮忙查询。".encode("gb18030"),
    human("朱镕基的订单", "li@shop.example.cn", "镕铁的订单还没有到，请帮忙查询。"),
    b"text/plain; charset=gb2312",
)
msg(
    "intake_cp932_raw_header",
    [b"From: yamada@example.jp", TO, DATE, "Subject: ご注文の件について".encode("cp932")],
    "①番の商品が届きません。".encode("cp932"),
    human("ご注文の件について", "yamada@example.jp", "①番の商品が届きません。"),
    b"text/plain; charset=shift_jis",
)


def jis_vendor(text: str) -> bytes:
    """ISO-2022-JP the way Outlook writes it: NEC extensions (①) inside ESC $ B runs."""
    out = bytearray()
    for ch in text:
        s = ch.encode("cp932")
        if len(s) == 1:
            out += b"\x1b(B" + s
            continue
        s1, s2 = s
        j1 = (s1 - (0x70 if s1 < 0xA0 else 0xB0)) * 2 - (1 if s2 < 0x9F else 0)
        j2 = s2 - (0x1F + (s2 >= 0x80) if s2 < 0x9F else 0x7E)
        out += b"\x1b$B" + bytes([j1, j2])
    return bytes(out + b"\x1b(B")


msg(
    "intake_iso2022jp_ext",
    [
        b"From: sato@example.jp",
        TO,
        DATE,
        b"Subject: =?iso-2022-jp?B?" + base64.b64encode(jis_vendor("丸①の件")) + b"?=",
    ],
    jis_vendor("会議室①と②を予約しました。"),
    human("丸①の件", "sato@example.jp", "会議室①と②を予約しました。"),
    b"text/plain; charset=iso-2022-jp",
    b"7bit",
)
msg(
    "intake_cp1252_as_latin1",
    [b"From: jean@example.fr", TO, DATE, b"Subject: =?iso-8859-1?q?=93Devis=94_=80?="],
    "Le devis \u201cfinal\u201d co\u00fbte 40 \u20ac \u2013 merci.".encode("cp1252"),
    human(
        "\u201cDevis\u201d \u20ac", "jean@example.fr", "Le devis \u201cfinal\u201d co\u00fbte 40 \u20ac \u2013 merci."
    ),
    b"text/plain; charset=iso-8859-1",
)
msg(
    "intake_raw_utf8_header",
    [b"From: =?utf-8?q?J=C3=BCrgen?= <juergen@example.de>", TO, DATE, "Subject: Rückfrage zur Lieferung".encode()],
    "Grüße aus Köln.".encode(),
    human("Rückfrage zur Lieferung", "juergen@example.de", "Grüße aus Köln."),
)
msg(
    "intake_iso_8859_8_i",
    [
        b"From: dana@example.co.il",
        TO,
        DATE,
        b"Subject: " + ew("שלום", "iso-8859-8").replace(b"iso-8859-8", b"iso-8859-8-i"),
    ],
    "שלום, איפה ההזמנה שלי?".encode("iso-8859-8"),
    human("שלום", "dana@example.co.il", "שלום, איפה ההזמנה שלי?"),
    b"text/plain; charset=iso-8859-8-i",
)
msg(
    "intake_euckr_cp949_ext",
    [b"From: kim@example.kr", TO, DATE, b"Subject: " + ew("똠방 주문", "cp949").replace(b"cp949", b"euc-kr")],
    "똠방각하님, 주문을 확인해 주세요.".encode("cp949"),
    human("똠방 주문", "kim@example.kr", "똠방각하님, 주문을 확인해 주세요."),
    b"text/plain; charset=euc-kr",
)
msg(
    "intake_ks_c_5601_base64",
    [b"From: park@example.kr", TO, DATE, b"Subject: " + ew("환불 문의", "cp949").replace(b"cp949", b"ks_c_5601-1987")],
    base64.b64encode("환불을 요청합니다. 감사합니다.".encode("cp949")),
    human("환불 문의", "park@example.kr", "환불을 요청합니다. 감사합니다."),
    b"text/plain; charset=ks_c_5601-1987",
    b"base64",
)
msg(
    "intake_cp1251_labelled_latin1",
    [b"From: ivan@example.ru", TO, DATE, "Subject: Где мой заказ номер 77".encode("cp1251")],
    "Здравствуйте! Заказ номер 77 до сих пор не пришёл.".encode("cp1251"),
    human("Где мой заказ номер 77", "ivan@example.ru", "Здравствуйте! Заказ номер 77 до сих пор не пришёл."),
    b"text/plain; charset=iso-8859-1",
)
msg(
    "intake_koi8r_unlabelled",
    [b"From: olga@example.ru", TO, DATE, b"Subject: " + ew("Вопрос", "koi8-r")],
    "Добрый день, подскажите, пожалуйста, сроки доставки заказа.".encode("koi8-r"),
    human("Вопрос", "olga@example.ru", "Добрый день, подскажите, пожалуйста, сроки доставки заказа."),
    b"text/plain",
)
msg(
    "intake_utf8_labelled_ascii",
    [b"From: ana@example.es", TO, DATE, b"Subject: =?us-ascii?q?Pedido?="],
    "¿Dónde está mi pedido? Gracias.".encode(),
    human("Pedido", "ana@example.es", "¿Dónde está mi pedido? Gracias."),
    b"text/plain; charset=us-ascii",
)

# --- attachments ---------------------------------------------------------------------------------


def multipart(name: str, subject: bytes, parts: list[bytes], expect: dict) -> None:
    body = b"".join(b"--XB\r\n" + p + b"\r\n" for p in parts) + b"--XB--\r\n"
    msg(
        name,
        [b"From: nora@field.example", TO, DATE, b"Subject: " + subject],
        body,
        expect,
        b'multipart/mixed; boundary="XB"',
        b"7bit",
    )


TEXT = b"Content-Type: text/plain; charset=utf-8\r\n\r\nFiles attached, see below."
multipart(
    "intake_att_rfc2231_continuation",
    b"rfc2231 continuation",
    [
        TEXT,
        b"Content-Type: application/pdf\r\nContent-Disposition: attachment;\r\n"
        b" filename*0*=utf-8''Rechnung%20M%C3%A4rz;\r\n filename*1*=%20%E2%80%93%20final.pdf\r\n\r\nPDF",
    ],
    human("rfc2231 continuation", "nora@field.example", "Files attached", attachments=["Rechnung März – final.pdf"]),
)
multipart(
    "intake_att_content_type_name",
    b"name only in Content-Type",
    [TEXT, b'Content-Type: application/vnd.ms-excel; name="Price list 2024.xls"\r\n\r\nXLS'],
    human("name only in Content-Type", "nora@field.example", "Files attached", attachments=["Price list 2024.xls"]),
)
multipart(
    "intake_att_spaces_kept",
    b"spaces kept",
    [
        TEXT,
        b'Content-Type: application/pdf\r\nContent-Disposition: attachment; filename="my  scan  (2).pdf"\r\n\r\nPDF',
    ],
    human("spaces kept", "nora@field.example", "Files attached", attachments=["my  scan  (2).pdf"]),
)
multipart(
    "intake_att_path_stripped",
    b"path stripped",
    [
        TEXT,
        b'Content-Type: image/png\r\nContent-Disposition: attachment; filename="C:\\\\Photos\\\\broken lid.png"\r\n\r\nPNG',
    ],
    human("path stripped", "nora@field.example", "Files attached", attachments=["broken lid.png"]),
)
multipart(
    "intake_att_rfc822_unnamed",
    b"forwarded without a name",
    [TEXT, b"Content-Type: message/rfc822\r\n\r\nFrom: a@b.example\r\nSubject: Order 88 shipped\r\n\r\nShipped."],
    human("forwarded without a name", "nora@field.example", "Files attached", attachments=["Order 88 shipped.eml"]),
)
multipart(
    "intake_att_unnamed_typed",
    b"no names at all",
    [
        TEXT,
        b"Content-Type: application/pdf\r\nContent-Disposition: attachment\r\n\r\nPDF",
        b"Content-Type: image/jpeg\r\n\r\nJPEG",
    ],
    human("no names at all", "nora@field.example", "Files attached", attachments=["attachment-1.pdf", "image-2.jpg"]),
)
multipart(
    "intake_att_encoded_word_name",
    b"encoded-word name",
    [TEXT, b'Content-Type: application/pdf; name="' + ew("見積書.pdf", "utf-8") + b'"\r\n\r\nPDF'],
    human("encoded-word name", "nora@field.example", "Files attached", attachments=["見積書.pdf"]),
)

# --- bounces, reports, auto-replies --------------------------------------------------------------
BOUNCE = {"bounce": True, "auto_reply": False}
msg(
    "intake_bounce_exim",
    [
        b"Return-path: <>",
        b"From: Mail Delivery System <Mailer-Daemon@mx.exim.example>",
        TO,
        DATE,
        b"Subject: Mail delivery failed: returning message to sender",
        b"X-Failed-Recipients: gone@x.example",
        b"Auto-Submitted: auto-replied",
    ],
    b"This message was created automatically by mail delivery software.\r\n\r\nA message that you sent could not be "
    b"delivered to one or more of its recipients.\r\n\r\n  gone@x.example\r\n    Unrouteable address\r\n",
    {
        "subject": "Mail delivery failed: returning message to sender",
        "from": "mailer-daemon@mx.exim.example",
        "snippet": "This message was created automatically",
        **BOUNCE,
    },
)
msg(
    "intake_bounce_exchange_ndr",
    [b"From: postmaster@corp.example", TO, DATE, b"Subject: Undeliverable: Your ticket #88"],
    b"Delivery has failed to these recipients or groups:\r\n\r\nbob@corp.example\r\nThe e-mail address you entered "
    b"couldn't be found.\r\n",
    {
        "subject": "Undeliverable: Your ticket #88",
        "from": "postmaster@corp.example",
        "snippet": "Delivery has failed to these recipients",
        **BOUNCE,
    },
)
msg(
    "intake_bounce_gmail_dsn_plain",
    [
        b"From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>",
        TO,
        DATE,
        b"Subject: Delivery Status Notification (Failure)",
    ],
    b"Address not found\r\n\r\nYour message wasn't delivered to x@y.example because the address couldn't be found.\r\n",
    {
        "subject": "Delivery Status Notification (Failure)",
        "from": "mailer-daemon@googlemail.com",
        "snippet": "Address not found",
        **BOUNCE,
    },
)
msg(
    "intake_bounce_null_from",
    [b'From: "Mail System" <>', TO, DATE, b"Subject: Returned mail: see transcript for details"],
    b"The original message was received but could not be delivered: User unknown.\r\n",
    {"subject": "Returned mail: see transcript for details", "snippet": "could not be delivered", **BOUNCE},
)
msg(
    "intake_arf_abuse_report",
    [b"From: abuse-reports@isp.example", TO, DATE, b"Subject: FW: complaint about message"],
    b"--AR\r\nContent-Type: text/plain\r\n\r\nThis is an email abuse report.\r\n--AR\r\n"
    b"Content-Type: message/feedback-report\r\n\r\nFeedback-Type: abuse\r\nVersion: 1\r\n--AR--\r\n",
    {
        "subject": "FW: complaint about message",
        "from": "abuse-reports@isp.example",
        "snippet": "This is an email abuse report.",
        "bounce": False,
        "auto_reply": True,
    },
    b'multipart/report; report-type=feedback-report; boundary="AR"',
    b"7bit",
)
msg(
    "intake_ooo_german",
    [
        b"From: Max Muster <max@firma.example>",
        TO,
        DATE,
        b"Subject: Abwesenheitsnotiz: Ihre Anfrage",
        b"Auto-Submitted: auto-replied",
    ],
    "Ich bin bis Montag nicht im Büro.".encode(),
    {
        "subject": "Abwesenheitsnotiz: Ihre Anfrage",
        "from": "max@firma.example",
        "snippet": "Ich bin bis Montag nicht im Büro.",
        "bounce": False,
        "auto_reply": True,
    },
)
msg(
    "intake_ooo_exchange",
    [
        b"From: Sue <sue@corp.example>",
        TO,
        DATE,
        b"Subject: Automatic reply: Ticket 12",
        b"X-MS-Exchange-Inbox-Rules-Loop: sue@corp.example",
    ],
    b"I am out of the office until 10 June.",
    {
        "subject": "Automatic reply: Ticket 12",
        "from": "sue@corp.example",
        "snippet": "I am out of the office",
        "bounce": False,
        "auto_reply": True,
    },
)

# --- people whose mail only looks automatic ------------------------------------------------------
msg(
    "intake_human_postmaster",
    [b"From: Postmaster <postmaster@smallshop.example>", TO, DATE, b"Subject: Change my address"],
    b"Hello, I run our shop's mail myself. Please change the delivery address on order 12.",
    human("Change my address", "postmaster@smallshop.example", "I run our shop's mail myself."),
)
msg(
    "intake_human_undeliverable_words",
    [b"Return-Path: <>", b"From: Ann <ann@customer.example>", TO, DATE, b"Subject: Parcel undeliverable"],
    b"The courier says my parcel was undeliverable and returned to sender. What now?",
    human("Parcel undeliverable", "ann@customer.example", "my parcel was undeliverable"),
)
msg(
    "intake_human_list_precedence",
    [
        b"From: Ann <ann@customer.example>",
        TO,
        DATE,
        b"Subject: via our group",
        b"Precedence: list",
        b"List-Id: <buyers.customer.example>",
    ],
    b"Our buying group asks about the bulk discount.",
    human("via our group", "ann@customer.example", "bulk discount"),
)
msg(
    "intake_human_forward_of_bounce",
    [b"From: Ann <ann@customer.example>", TO, DATE, b"Subject: Fwd: Undelivered Mail Returned to Sender"],
    b"Your reply bounced from my old address, please use this one.\r\n\r\n---------- Forwarded message ---------\r\n"
    b"From: Mail Delivery System <MAILER-DAEMON@mx.example>\r\nUser unknown\r\n",
    human("Fwd: Undelivered Mail Returned to Sender", "ann@customer.example", "Your reply bounced from my old address"),
)


def main() -> None:
    expected_path = HERE.parent / "corpus_expected.json"
    data = json.loads(expected_path.read_text(encoding="utf-8"))
    for name, (raw, expect) in MESSAGES.items():
        (HERE / f"{name}.eml").write_bytes(raw)
        data["messages"][f"own/{name}.eml"] = {**expect, "note": "written for this corpus (make_intake.py)"}
    data["messages"] = dict(sorted(data["messages"].items()))
    expected_path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
