"""Split a reply's plain text into the new part and the quoted history.

Recognised: attribution lines in many languages ("On ... wrote:", "Am ... schrieb ...:",
"Le ... a écrit :", "...님이 작성:", "...のメッセージ:", Gmail's "<date> Name <addr>:"),
Outlook "-----Original Message-----" separators and "From:/Sent:/To:" header blocks (localised),
and '>' quoted lines. Forwarded-message blocks are content, not history, and stay in the new text;
so does a "-- " signature.
"""

from __future__ import annotations

import re

MAX_SCAN_LINES = 4000  # markers are near the top of a reply; do not regex through megabytes

_LEAD = r"on|am|le|el|il|em|op|den|w dniu|dne|d\.|в|на|el día|il giorno|le \w+\.?"
_VERB = (
    r"wrote|writes|schrieb|a écrit|escribió|escribio|ha scritto|scrisse|escreveu|schreef|skrev|"
    r"napisał\(a\)|napisał|napisala|napsal|kirjoitti|írta|yazdı|έγραψε|пишет|написал\(а\)|написала|"
    r"написал|a scris"
)
_ATTRIB = [
    re.compile(rf"^(?:{_LEAD})\b.{{0,400}}?\b(?:{_VERB})\b.{{0,200}}[:：]$", re.I | re.S),
    re.compile(rf"^.{{0,400}}\b(?:{_VERB})\s*[:：]$", re.I | re.S),  # checked with extra evidence
    re.compile(r"(?:님이\s*작성.{0,20}|작성)\s*[:：]$", re.S),
    re.compile(
        r"(?:のメッセージ|のメール|さんは書きました|さんが書きました|は書きました|写道|寫道|寫了|写了)\s*[:：]$", re.S
    ),
    re.compile(r"^-{2,}\s*(?:on\b.{0,300}\bwrote|.{0,300}\b(?:wrote|schrieb))\s*-{2,}$", re.I | re.S),
]
_EVIDENCE = re.compile(r"@|\d")
# Gmail in many locales: "<date> Name <addr>:" with nothing language-specific but the address.
_ADDR_COLON = re.compile(r"<[^<>\s]+@[^<>\s]+>\)?\s*[:：]$")
_SEPARATOR = re.compile(
    r"^[\s*>]*[-_=]{2,}\s*(?:original message|ursprüngliche nachricht|originalnachricht|message d'origine|"
    r"mensaje original|messaggio originale|mensagem original|oorspronkelijk bericht|原始邮件|原始郵件|"
    r"원본 메시지|元のメッセージ|исходное сообщение|ursprungligt meddelande|oprindelig meddelelse|"
    r"opprinnelig melding|alkuperäinen viesti|wiadomość oryginalna|reply message|reply above this line)"
    r"\s*[-_=]{2,}\s*$",
    re.I,
)
_UNDERSCORES = re.compile(r"^\s*_{16,}\s*$")
_FROM_FIELD = re.compile(
    r"^\s*\*?(?:from|von|de|da|van|från|fra|od|от|kimden|feladó|lähettäjä|보낸 사람|差出人|送信者|发件人|寄件者)"
    r"\s*\*?\s*[:：]",
    re.I,
)
_OTHER_FIELD = re.compile(
    r"^\s*\*?(?:sent|date|gesendet|datum|envoyé|enviado|enviada|inviato|data|verzonden|skickat|sendt|"
    r"wysłano|отправлено|дата|보낸 날짜|날짜|送信日時|日付|发送时间|发送日期|寄件日期|時間|"
    r"to|an|à|para|a|aan|till|til|do|кому|받는 사람|宛先|收件人|"
    r"subject|betreff|objet|asunto|oggetto|onderwerp|ämne|emne|temat|тема|제목|件名|主题|主旨|"
    r"cc|kopie|copie|cc\.)\s*\*?\s*[:：]",
    re.I,
)
_FORWARD = re.compile(
    r"forwarded message|weitergeleitete nachricht|message transféré|mensaje reenviado|messaggio inoltrato|"
    r"mensagem encaminhada|doorgestuurd bericht|begin forwarded message|転送されたメッセージ|"
    r"전달된 메시지|转发的邮件|轉寄的郵件|пересылаемое сообщение",
    re.I,
)


_ANY_QUOTED = re.compile(r"^ *>", re.M)


def _is_quoted(line: str) -> bool:
    return line.lstrip(" ").startswith(">")


def _attribution(lines: list[str], i: int) -> int:
    """Number of lines (1-3) forming an attribution starting at line i, or 0."""
    first = lines[i].strip()
    if not first or len(first) > 600 or _is_quoted(first):
        return 0
    for span in (1, 2, 3):
        if i + span > len(lines):
            break
        last = lines[i + span - 1]
        if span > 1 and (len(last) > 600 or not last.strip() or _is_quoted(last)):
            break
        if not last.rstrip().endswith((":", "：", "-")):
            continue
        chunk = " ".join(line.strip() for line in lines[i : i + span])
        if _ATTRIB[0].search(chunk) or _ATTRIB[2].search(chunk) or _ATTRIB[3].search(chunk) or _ATTRIB[4].search(chunk):
            return span
        if _ATTRIB[1].search(chunk) and (_EVIDENCE.search(chunk) or _next_is_quote(lines, i + span)):
            return span
        if _ADDR_COLON.search(chunk) and re.search(r"\d", chunk):
            return span
    return 0


def _next_is_quote(lines: list[str], j: int) -> bool:
    while j < len(lines) and not lines[j].strip():
        j += 1
    return j < len(lines) and _is_quoted(lines[j])


def _header_block(lines: list[str], i: int) -> bool:
    """An Outlook-style 'From: ... Sent: ... To: ...' block (at least two more fields) starts at i."""
    if not _FROM_FIELD.match(lines[i]):
        return False
    fields = 0
    for line in lines[i + 1 : i + 8]:
        if _OTHER_FIELD.match(line):
            fields += 1
            if fields >= 2:
                return not _after_forward_marker(lines, i)
    return False


def _after_forward_marker(lines: list[str], i: int) -> bool:
    for j in range(i - 1, max(-1, i - 3), -1):
        if lines[j].strip():
            return bool(_FORWARD.search(lines[j]))
    return False


def find_quote_start(lines: list[str]) -> tuple[int, int] | None:
    """(index, length of marker) of the first quote marker, or None."""
    for i in range(min(len(lines), MAX_SCAN_LINES)):
        line = lines[i]
        if not line.strip() or _is_quoted(line):
            continue
        if _SEPARATOR.match(line):
            return i, 1
        if _UNDERSCORES.match(line) and any(_header_block(lines, k) for k in range(i + 1, min(i + 4, len(lines)))):
            return i, 1
        if _header_block(lines, i):
            return i, 1
        span = _attribution(lines, i)
        if span:
            return i, span
    return None


def _join(lines: list[str]) -> str:
    return "\n".join(lines).strip("\n").rstrip()


def split_quotes(text: str) -> tuple[str, str]:
    """(new_text, quoted_text). When nothing new remains, the whole text counts as new."""
    if not text:
        return "", ""
    lines = text.split("\n")
    marker = find_quote_start(lines)
    if marker is not None:
        start, span = marker
        after = lines[start + span :]
        if _next_is_quote(after, 0):
            # "On .. wrote:" + '>' lines: answers may follow (bottom-posting, interleaving).
            new = lines[:start] + [line for line in after if not _is_quoted(line)]
            quoted = lines[start : start + span] + [line for line in after if _is_quoted(line)]
        else:
            new, quoted = lines[:start], lines[start:]
    elif _ANY_QUOTED.search(text):
        new = [line for line in lines if not _is_quoted(line)]
        quoted = [line for line in lines if _is_quoted(line)]
    else:
        return text.strip("\n").rstrip(), ""
    new_text, quoted_text = _join(new), _join(quoted)
    if not new_text.strip():
        return text.strip("\n").rstrip(), ""
    return new_text, quoted_text
