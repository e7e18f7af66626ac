"""Bytes -> str for mail: charset aliases, best-effort decoding, RFC 2047 encoded words.

Nothing here raises on bad input: mail in the wild is mislabelled, truncated and mixed, and a
wrong character is always better than a lost message.
"""

from __future__ import annotations

import binascii
import codecs
import re
import unicodedata
from functools import lru_cache

from charset_normalizer import from_bytes

# Labels seen in real mail -> the Python codec that decodes them best. Superset codecs are chosen
# on purpose: senders label cp949 text as euc-kr, gbk/gb18030 text as gb2312, cp932 as shift_jis.
_ALIASES = {
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "ks_c_5601-1989": "cp949",
    "ksc5601": "cp949",
    "ksc_5601": "cp949",
    "euc-kr": "cp949",
    "euc_kr": "cp949",
    "euckr": "cp949",
    "korean": "cp949",
    "x-windows-949": "cp949",
    "windows-949": "cp949",
    "uhc": "cp949",
    "gb2312": "gb18030",
    "gb_2312-80": "gb18030",
    "gb_2312": "gb18030",
    "csgb2312": "gb18030",
    "euc-cn": "gb18030",
    "x-euc-cn": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "windows-936": "gb18030",
    "chinese": "gb18030",
    "gb18030": "gb18030",
    "big5": "big5hkscs",
    "big-5": "big5hkscs",
    "x-x-big5": "big5hkscs",
    "cn-big5": "big5hkscs",
    "csbig5": "big5hkscs",
    "big5-hkscs": "big5hkscs",
    "cp950": "big5hkscs",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "ms_kanji": "cp932",
    "windows-31j": "cp932",
    "csshiftjis": "cp932",
    "x-ms-cp932": "cp932",
    "iso-2022-jp": "iso2022_jp_ext",
    "csiso2022jp": "iso2022_jp_ext",
    "iso-2022-jp-1": "iso2022_jp_ext",
    "iso-2022-kr": "iso2022_kr",
    "euc-jp": "euc_jis_2004",
    "x-euc-jp": "euc_jis_2004",
    "us-ascii": "ascii",
    "ascii": "ascii",
    "ansi_x3.4-1968": "ascii",
    "iso646-us": "ascii",
    "us": "ascii",
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "iso_8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "l1": "cp1252",
    "iso-8859-15": "iso8859_15",
    "iso-8859-8-i": "iso8859_8",
    "iso-8859-6-i": "iso8859_6",
    "tis-620": "cp874",
    "windows-874": "cp874",
    "utf8": "utf-8",
    "utf-8": "utf-8",
    "unicode-1-1-utf-8": "utf-8",
    "unicode": "utf-8",
    "x-unicode": "utf-8",
    "utf-7": "utf-7",
    "unicode-1-1-utf-7": "utf-7",
    "x-mac-roman": "mac_roman",
    "macintosh": "mac_roman",
    "x-mac-cyrillic": "mac_cyrillic",
    "koi8-ru": "koi8_u",
    "cp-850": "cp850",
}
# Labels that say nothing: decode by sniffing.
_UNKNOWN = {
    "",
    "unknown-8bit",
    "x-unknown",
    "unknown",
    "default",
    "8bit",
    "binary",
    "none",
    "charset",
    "x-user-defined",
    "iso-8859-1-i",
    "_iso-2022-jp$esc",
    "x-binaryenc",
}
_SINGLE_BYTE_LATIN = {"ascii", "cp1252", "iso8859_15"}


@lru_cache(maxsize=512)
def codec_for(label: str | None) -> str | None:
    """The Python codec for a charset label, or None when unknown/meaningless."""
    if not label:
        return None
    name = str(label).strip().strip("\"'").lower()
    name = name.split("*", 1)[0]  # RFC 2231 language suffix: utf-8*en
    if name in _UNKNOWN:
        return None
    name = _ALIASES.get(name, name)
    if name.startswith("windows-") and name[8:].isdigit():
        name = "cp" + name[8:]
    elif name.startswith("x-") and name[2:] not in _UNKNOWN:
        name = _ALIASES.get(name[2:], name[2:])
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError, TypeError):
        return None
    # base64, rot13, zlib ... are codecs too, but not charsets; "undefined" always fails.
    if not getattr(info, "_is_text_encoding", True) or info.name in (
        "undefined",
        "unicode-escape",
        "raw-unicode-escape",
    ):
        return None
    return info.name


_HANGUL = re.compile(r"[\uac00-\ud7a3\u3131-\u318e]")
_CJK = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff\uff01-\uff5e\u3000-\u303f]")
_KANA = re.compile(r"[\u3040-\u30ff]")


def _plausible(text: str, pattern: re.Pattern[str], min_ratio: float = 0.6) -> bool:
    non_ascii = sum(1 for ch in text if ord(ch) > 127)
    return non_ascii > 0 and len(pattern.findall(text)) >= non_ascii * min_ratio


def sniff(data: bytes) -> str:
    """Decode bytes with no usable label: utf-8, then the common CJK encodings, then cp1252."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    for codec, pattern in (("cp949", _HANGUL), ("cp932", _KANA), ("gb18030", _CJK), ("big5hkscs", _CJK)):
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        if _plausible(text, pattern):
            return text
    return _latin(data)


def _latin(data: bytes) -> str:
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    if _implausible_latin(text):
        return detect(data, exclude=("cp1252", "latin_1")) or text
    return text


def _implausible_latin(text: str) -> bool:
    """Western text is mostly ASCII letters; "Óçíàé êàê" (cp1251 read as cp1252) is not."""
    letters = non_ascii = 0
    for ch in text:
        if ch.isalpha():
            letters += 1
            non_ascii += ord(ch) > 127
    return letters >= 4 and non_ascii * 5 > letters * 2


# What a detector may pick from: encodings mail is really written in. An open choice lets it
# answer exotic code pages that happen to decode anything.
_CANDIDATES = (
    "cp1251",
    "koi8_r",
    "iso8859_5",
    "cp1250",
    "iso8859_2",
    "cp1253",
    "iso8859_7",
    "cp1254",
    "cp1255",
    "iso8859_8",
    "cp1256",
    "cp1257",
    "iso8859_13",
    "cp874",
    "mac_cyrillic",
    "cp1252",
    "cp932",
    "cp949",
    "gb18030",
    "big5hkscs",
    "euc_jis_2004",
    "koi8_u",
)


def detect(data: bytes, exclude: tuple[str, ...] = ()) -> str | None:
    """The text by charset-normalizer among _CANDIDATES, or None when it finds nothing clean."""
    if len(data) > 200_000:
        data = data[:200_000]  # detection cost grows with size; the start tells the charset
    try:
        best = from_bytes(data, cp_isolation=[c for c in _CANDIDATES if c not in exclude]).best()
    except Exception:  # a detector failure must never stop a message
        return None
    if best is None:
        return None
    try:
        return data.decode(best.encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def decode_bytes(data: bytes, label: str | None = None) -> str:
    """The declared charset when the bytes fit it, then utf-8, then what a detector finds among
    plausible charsets (cp1252 for Western text), then latin-1. Never raises."""
    if not data:
        return ""
    codec = codec_for(label)
    if data.isascii() and codec not in (
        "utf-7",
        "iso2022_jp_ext",
        "iso2022_kr",
        "utf-16",
        "utf-32",
        "utf-16-le",
        "utf-16-be",
        "utf-32-le",
        "utf-32-be",
        "hz",
    ):
        return data.decode("ascii")
    if codec is None:
        return sniff(data)
    if codec in _SINGLE_BYTE_LATIN:
        # "latin-1" labels on utf-8 bodies are common; valid multi-byte utf-8 is never accidental.
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return _latin(data)
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError, ValueError, TypeError):
        pass
    if codec == "iso2022_jp_ext":
        text = _iso2022jp_vendor(data)
        if text is not None:
            return text
    if codec != "utf-8":
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            pass
    try:
        text = data.decode(codec, "replace")
    except Exception:  # some codecs (utf-7, iso2022) fail oddly on garbage
        text = ""
    if text and text.count("\ufffd") * 20 <= len(text):
        return text  # the right charset with a few broken bytes beats a guess at another one
    # Mislabelled. Western text read as cp1252 is the usual truth (a detector guesses badly on a
    # few accented words); anything else goes to the detector, limited to what the bytes fit.
    latin = data.decode("cp1252", "replace")
    if "\ufffd" not in latin and not _implausible_latin(latin):
        return latin
    found = detect(data, exclude=(codec,))
    return found if found is not None else _latin(data)


_JIS_ESC = re.compile(rb"\x1b(\(B|\(J|\(I|\$@|\$B|\$\(B|\$\(Q|\$\(O|\$\(D)")


def _iso2022jp_vendor(data: bytes) -> str | None:
    """ISO-2022-JP as Outlook and Japanese phones send it: JIS X 0208 with NEC/IBM extensions
    (circled digits, roman numerals...) that strict codecs refuse. Two-byte runs are moved to
    Shift_JIS and read as cp932, which has the extensions; JIS X 0212 runs go to iso2022_jp_1."""
    out: list[str] = []
    mode = b"(B"
    pos = 0
    try:
        for m in [*_JIS_ESC.finditer(data), None]:
            chunk = data[pos : m.start() if m else len(data)]
            if chunk:
                if mode in (b"(B", b"(J"):
                    out.append(chunk.decode("ascii"))
                elif mode == b"(I":
                    out.append(bytes(b | 0x80 for b in chunk).decode("cp932"))
                elif mode == b"$(D":
                    out.append((b"\x1b$(D" + chunk + b"\x1b(B").decode("iso2022_jp_1"))
                else:
                    sjis = bytearray()
                    for i in range(0, len(chunk) - 1, 2):
                        j1, j2 = chunk[i], chunk[i + 1]
                        s2 = j2 + (0x1F + (j2 >= 0x60) if j1 & 1 else 0x7E)
                        sjis += bytes([((j1 + 1) >> 1) + (0x70 if j1 < 0x5F else 0xB0), s2])
                    out.append(sjis.decode("cp932"))
            if m:
                mode, pos = m.group(1), m.end()
    except (UnicodeDecodeError, ValueError):
        return None
    return "".join(out)


_CTRL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_BAD = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def clean_text(text: str) -> str:
    """Drop NULs/control characters that databases and browsers choke on; keep tabs and newlines."""
    if _BAD.search(text) is None:
        return text
    return _SURROGATE.sub("\ufffd", _CTRL.sub("", text))


# --- headers -----------------------------------------------------------------------------------

# Lenient encoded word: the charset may carry *lang, the text may contain spaces (broken encoders).
_EW = re.compile(r"=\?([^?\s]{1,64})\?([bBqQ])\?([^?]*)\?=")
_EW_GAP = re.compile(r"\?=[ \t\r\n]+=\?")
_FOLD = re.compile(r"\r?\n(?=[ \t])|\r?\n")
_QHEX = re.compile(rb"=([0-9A-Fa-f]{2})")
_B64_JUNK = re.compile(rb"[^A-Za-z0-9+/]")


def _q_decode(text: str) -> bytes:
    raw = text.replace("_", " ").encode("latin-1", "replace")
    return _QHEX.sub(lambda m: bytes([int(m.group(1), 16)]), raw)


def _b_decode(text: str) -> bytes:
    raw = _B64_JUNK.sub(b"", text.encode("latin-1", "replace"))
    raw = raw[: len(raw) - len(raw) % 4] if len(raw) % 4 == 1 else raw + b"=" * (-len(raw) % 4)
    try:
        return binascii.a2b_base64(raw)
    except (binascii.Error, ValueError):
        return b""


def raw_header_to_str(value: str, hint: str | None = None) -> str:
    """A header value as parsed from bytes (8-bit bytes as surrogate escapes) -> unfolded str."""
    if not isinstance(value, str):
        value = str(value)
    value = _FOLD.sub("", value) if "\n" in value else value
    if _SURROGATE.search(value):
        data = value.encode("utf-8", "surrogateescape")
        value = decode_bytes(data, hint) if codec_for(hint) not in (None, "ascii") else sniff(data)
    return value


def decode_words(value: str) -> str:
    """Decode RFC 2047 encoded words anywhere in value (also inside quotes, also malformed)."""
    if "=?" not in value:
        return value
    value = _EW_GAP.sub("?==?", value)  # whitespace between adjacent encoded words is not content
    out: list[str] = []
    pos = 0
    pending: list[bytes] = []
    pending_cs: str | None = None

    def flush() -> None:
        nonlocal pending, pending_cs
        if pending:
            # Joined before decoding: encoders split multi-byte characters across words.
            out.append(decode_bytes(b"".join(pending), pending_cs or None))
        pending, pending_cs = [], None

    for m in _EW.finditer(value):
        if m.start() > pos:
            flush()
            out.append(value[pos : m.start()])
        charset, enc, text = m.group(1), m.group(2).lower(), m.group(3)
        data = _b_decode(text) if enc == "b" else _q_decode(text)
        cs = charset.split("*", 1)[0].lower()
        if pending and cs != pending_cs:
            flush()
        pending.append(data)
        pending_cs = cs
        pos = m.end()
    flush()
    out.append(value[pos:])
    return "".join(out)


_WS = re.compile(r"\s+")


def decode_header(value: str | None, hint: str | None = None) -> str:
    """Unfold, decode raw 8-bit and encoded words, collapse whitespace, drop control characters."""
    if value is None:
        return ""
    try:
        text = decode_words(raw_header_to_str(value, hint))
    except Exception:  # pragma: no cover - defensive: header text must never stop parsing
        text = str(value).encode("utf-8", "replace").decode("utf-8", "replace")
    text = clean_text(text)
    return _WS.sub(" ", text).strip() if ("\n" in text or "  " in text or "\t" in text) else text.strip()


def strip_controls(text: str) -> str:
    """Remove control and format characters (incl. bidi overrides used to disguise file names)."""
    return "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn"))
