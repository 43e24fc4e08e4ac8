"""Decode mail text the way mail clients do: never raising, never a surrogate.

- A declared charset is read with the superset codec clients use for its
  common mislabels (GB2312 labels on GBK text, Shift_JIS with cp932's NEC and
  IBM characters, ISO-2022-JP with NEC row 13, EUC-KR / ks_c_5601-1987 with
  cp949 hangul, Big5 with HKSCS); see :data:`SUPERSETS`.
- Raw 8-bit header bytes (not RFC 2047) are tried as UTF-8, then as the
  message's declared charsets, then as cp1252.
- RFC 2047 encoded words are decoded at the byte level, so raw bytes inside a
  word are read with the word's charset instead of turning into ``\\udcXX``.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import re
from collections.abc import Iterable
from functools import lru_cache

#: Codec (Python's name after ``codecs.lookup``) -> what to read it with, in order.
SUPERSETS: dict[str, tuple[str, ...]] = {
    "gb2312": ("gb18030",),
    "gbk": ("gb18030",),
    "shift_jis": ("cp932", "shift_jis_2004"),
    "cp932": ("cp932", "shift_jis_2004"),
    "iso2022_jp": ("x-iso2022-jp-ms",),
    "iso2022_jp_1": ("x-iso2022-jp-ms",),
    "iso2022_jp_ext": ("x-iso2022-jp-ms",),
    "euc_kr": ("cp949",),
    "big5": ("big5hkscs", "cp950"),
    "cp950": ("cp950", "big5hkscs"),
    "euc_jp": ("euc_jp", "euc_jis_2004"),
    "tis-620": ("cp874",),
    "iso8859-1": ("cp1252", "latin-1"),
    "ascii": ("ascii", "utf-8", "cp1252"),
}

#: The cp50220-like ISO-2022-JP reader below, and the stdlib's variants it falls back to.
_ISO2022JP_MS = "x-iso2022-jp-ms"
_ISO2022JP_FALLBACKS = ("iso2022_jp_2", "iso2022_jp_2004", "iso2022_jp_3", "iso2022_jp_ext")


@lru_cache(maxsize=256)
def codecs_for(label: str) -> tuple[str, ...]:
    """The codecs to read text labelled ``label`` with, best first; () if unknown."""
    name = label.strip().strip("\"'").split("*", 1)[0].strip().lower()
    if not name:
        return ()
    if name in ("x-sjis", "windows-31j", "ms932", "x-ms-cp932"):
        name = "cp932"
    elif name in ("x-gbk", "windows-936"):
        name = "gbk"
    elif name in ("x-euc-jp", "x-euc"):
        name = "euc_jp"
    elif name in ("x-mac-roman", "macintosh"):
        name = "mac_roman"
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError):
        return ()
    if info.name in _NOT_CHARSETS or not getattr(info, "_is_text_encoding", True):
        return ()
    return SUPERSETS.get(info.name, (info.name,))


#: Python codecs that are no mail charset: a label naming one is unknown
#: (``unicode-escape`` would turn the text ``\ud800`` or ``\r\n`` into the real thing).
_NOT_CHARSETS = frozenset(
    ("unicode-escape", "raw-unicode-escape", "punycode", "idna", "undefined", "palmos")
)


def _decode_with(data: bytes, codec: str) -> str:
    """Strict decode; raises UnicodeDecodeError (or LookupError)."""
    if codec == _ISO2022JP_MS:
        return decode_iso2022jp(data)
    return data.decode(codec)


@lru_cache(maxsize=64)
def _ascii_compatible(codec: str) -> bool:
    """Whether ``codec`` reads printable ASCII as itself (not UTF-16, UTF-7, ...)."""
    sample = bytes(range(0x20, 0x7F))
    try:
        return _decode_with(sample, codec) == sample.decode("ascii")
    except (UnicodeError, LookupError):
        return False


def decode_text(data: bytes, label: str | None, problems: list[str] | None = None) -> str:
    """Decode a body (or an encoded word) declared as ``label``.

    The superset codecs strictly, then UTF-8, then the first codec with
    replacement characters; an unknown or missing label: UTF-8, then cp1252.
    """
    candidates = codecs_for(label) if label else ()
    if label and not candidates and problems is not None:
        problems.append(f"unknown charset {label[:40]!r}, read as UTF-8 or cp1252")
    for codec in candidates:
        try:
            return _decode_with(data, codec)
        except (UnicodeError, LookupError):
            continue
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if candidates:
        if problems is not None:
            problems.append(f"bytes not valid in {str(label)[:40]!r}: replacement characters shown")
        for codec in candidates:
            if codec != _ISO2022JP_MS:
                return data.decode(codec, errors="replace")
        return _iso2022jp_lenient(data)
    return _cp1252(data)


#: ``<meta charset=...>`` or ``<meta http-equiv=Content-Type content="...; charset=...">``.
_META_CHARSET = re.compile(rb"<meta\b[^<>]*?charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]{1,40})", re.I)
#: How far into an HTML body its <meta> charset is looked for (Outlook's long
#: <html> tag of namespaces comes first).
HTML_PRESCAN = 4096


def html_charset(data: bytes, label: str | None) -> str | None:
    """The charset to read an HTML body with: its MIME label, else what its <meta> says.

    The MIME label wins, as in mail clients, unless it is missing or ASCII
    (senders label 8-bit HTML so). A <meta> charset on bytes that are valid
    UTF-8 (and not ASCII) is taken for the usual mislabel: UTF-8 it is.
    """
    if label and codecs_for(label) not in ((), codecs_for("us-ascii")):
        return label
    found = _META_CHARSET.search(data[:HTML_PRESCAN])
    meta = found.group(1).decode("ascii") if found else None
    if meta is None or not codecs_for(meta):
        return label
    if not data.isascii():
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return meta
        return "utf-8"
    return meta


def _cp1252(data: bytes) -> str:
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        # cp1252 leaves five bytes undefined; Latin-1 reads every byte.
        return data.decode("latin-1")


def decode_raw_header(data: bytes, declared: Iterable[str] = ()) -> str:
    """Raw header bytes (not RFC 2047): UTF-8, then ``declared`` charsets, then cp1252."""
    if data.isascii():
        if b"\x1b" in data:
            # Raw ISO-2022-JP (7-bit, escape sequences) sent without encoded words.
            try:
                return decode_iso2022jp(data)
            except UnicodeDecodeError:
                pass
        return data.decode("ascii")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    for label in declared:
        for codec in codecs_for(label):
            if not _ascii_compatible(codec):
                continue
            try:
                return _decode_with(data, codec)
            except (UnicodeError, LookupError):
                continue
    return _cp1252(data)


def header_bytes(value: str) -> bytes:
    """The bytes of a header value read by the stdlib parser (8-bit bytes arrive
    as lone surrogates ``\\udc80``-``\\udcff``)."""
    return value.encode("utf-8", errors="surrogateescape")


def decode_raw_value(value: str, declared: Iterable[str] = ()) -> str:
    """A header value as the parser gave it, with raw 8-bit bytes decoded."""
    if value.isascii() and "\x1b" not in value:
        return value
    try:
        return decode_raw_header(header_bytes(value), declared)
    except UnicodeEncodeError:
        # A surrogate that is no escaped byte (not from the parser): replace it.
        return value.encode("utf-8", errors="replace").decode("utf-8")


_WORD = re.compile(rb"=\?([^?\s]*)\?([QqBb])\?(.*?)\?=")
_QHEX = re.compile(rb"=([0-9A-Fa-f]{2})")


def _q(text: bytes) -> bytes:
    return _QHEX.sub(lambda m: bytes((int(m.group(1), 16),)), text.replace(b"_", b" "))


def _b(text: bytes) -> bytes | None:
    text = re.sub(rb"[^A-Za-z0-9+/]", b"", text)
    text += b"=" * (-len(text) % 4)
    try:
        return base64.b64decode(text)
    except (binascii.Error, ValueError):
        return None


def decode_words(
    data: bytes, declared: Iterable[str] = (), problems: list[str] | None = None
) -> str:
    """Decode the RFC 2047 encoded words in ``data`` (a header value's bytes).

    Words are read at the byte level: raw 8-bit bytes inside a word belong to
    the word's charset. Adjacent words in one charset are joined before
    decoding (a character may be split across two words); the white space
    between words is dropped. Text outside words is read as raw header bytes.
    """
    if b"=?" not in data:
        return decode_raw_header(data, declared)
    pieces: list[str] = []
    pending: list[bytes] = []
    pending_charset = ""

    def flush() -> None:
        if pending:
            pieces.append(decode_text(b"".join(pending), pending_charset, problems))
            pending.clear()

    position = 0
    after_word = False
    for match in _WORD.finditer(data):
        gap = data[position : match.start()]
        position = match.end()
        if gap and not (after_word and gap.isspace()):
            flush()
            pieces.append(decode_raw_header(gap, declared))
        charset, encoding, text = match.groups()
        decoded = _q(text) if encoding in b"Qq" else _b(text)
        if decoded is None:
            flush()
            pieces.append(decode_raw_header(match.group(0), declared))
            after_word = False
            continue
        label = charset.split(b"*", 1)[0].decode("ascii", errors="replace").lower()
        if label != pending_charset:
            flush()
            pending_charset = label
        pending.append(decoded)
        after_word = True
    flush()
    if position < len(data):
        pieces.append(decode_raw_header(data[position:], declared))
    return "".join(pieces)


# -- ISO-2022-JP as Outlook and other Windows mailers write it (cp50220/cp50221):
#    JIS X 0208 mode holding NEC row 13 and IBM extensions, half-width katakana.
#    Read by turning it into cp932 bytes; other escapes go to the stdlib codecs.

_ESCAPES: dict[bytes, str] = {
    b"\x1b(B": "ascii",
    b"\x1b(J": "ascii",
    b"\x1b$@": "jis",
    b"\x1b$B": "jis",
    b"\x1b&@\x1b$B": "jis",
    b"\x1b(I": "kana",
}
_ESCAPE = re.compile(rb"\x1b(?:&@\x1b\$B|\(B|\(J|\$@|\$B|\(I)|\x1b|[\x0e\x0f]")


def decode_iso2022jp(data: bytes) -> str:
    """Decode ISO-2022-JP and its Microsoft extensions; strict (raises UnicodeDecodeError)."""
    try:
        return _iso2022jp_to_cp932(data).decode("cp932")
    except UnicodeDecodeError:
        pass
    for codec in _ISO2022JP_FALLBACKS:
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            continue
    raise UnicodeDecodeError("iso-2022-jp", data, 0, len(data), "not ISO-2022-JP")


def _iso2022jp_lenient(data: bytes) -> str:
    try:
        return decode_iso2022jp(data)
    except UnicodeDecodeError:
        return data.decode("iso2022_jp_2", errors="replace")


def _iso2022jp_to_cp932(data: bytes) -> bytes:
    out = bytearray()
    mode = "ascii"
    shifted = False  # SO/SI half-width katakana (cp50221)
    position = 0
    for match in _ESCAPE.finditer(data):
        _convert(data[position : match.start()], "kana" if shifted else mode, out, data)
        position = match.end()
        token = match.group(0)
        if token == b"\x0e":
            shifted = True
        elif token == b"\x0f":
            shifted = False
        elif token in _ESCAPES:
            mode = _ESCAPES[token]
        else:
            raise UnicodeDecodeError("iso-2022-jp", data, match.start(), position, "escape")
    _convert(data[position:], "kana" if shifted else mode, out, data)
    return bytes(out)


def _convert(chunk: bytes, mode: str, out: bytearray, data: bytes) -> None:
    if not chunk:
        return
    if mode == "ascii":
        if not chunk.isascii():
            raise UnicodeDecodeError("iso-2022-jp", data, 0, len(data), "8-bit byte")
        out += chunk
        return
    if mode == "kana":
        for byte in chunk:
            if 0x21 <= byte <= 0x5F:
                out.append(byte + 0x80)
            elif 0xA1 <= byte <= 0xDF or byte < 0x21:
                out.append(byte)
            else:
                raise UnicodeDecodeError("iso-2022-jp", data, 0, len(data), "kana")
        return
    index = 0
    while index < len(chunk):
        high = chunk[index]
        if high < 0x21:
            # A control character (a line end without the escape back): kept.
            out.append(high)
            index += 1
            continue
        if index + 1 >= len(chunk):
            raise UnicodeDecodeError("iso-2022-jp", data, 0, len(data), "truncated")
        low = chunk[index + 1]
        if not (0x21 <= high <= 0x7E and 0x21 <= low <= 0x7E):
            raise UnicodeDecodeError("iso-2022-jp", data, 0, len(data), "JIS X 0208")
        lead = ((high + 1) >> 1) + (0x70 if high <= 0x5E else 0xB0)
        # Odd rows use trail bytes 0x40-0x9E (skipping 0x7F), even rows 0x9F-0xFC.
        trail = (low + (0x1F if low <= 0x5F else 0x20)) if high & 1 else low + 0x7E
        out += bytes((lead, trail))
        index += 2
