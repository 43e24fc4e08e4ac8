"""Template files as text: honour a byte-order mark or the charset a file declares.

Word saves HTML as windows-1252 and says so in a ``<meta>`` tag; text files
carry no declaration, so they are UTF-8 (with or without a BOM) or wrong.
Decoding never fails: problems are reported so lint can name them, and the
text falls back to a lossy decoding a renderer can still use.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_DECLARED = re.compile(
    rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)"""
    rb"""|<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""",
    re.IGNORECASE,
)
#: Browsers read these labels as windows-1252 (WHATWG Encoding), and so do we.
_AS_WINDOWS_1252 = frozenset({"ascii", "iso8859-1", "latin-1"})
#: A declaration must come early for browsers to see it; so it must for us.
_SNIFF_BYTES = 8192
_FALLBACK = "cp1252"


@dataclass(frozen=True)
class Decoded:
    """A template file's text and how it was read.

    Attributes:
        text: the decoded text (lossy where ``problem`` is set).
        codec: the Python codec of the bytes after any BOM.
        bom: the byte-order mark the file starts with, or ``b""``.
        declared: the charset label the file declares, if any.
        problem: why the file is not cleanly readable, or None.
        problem_offset: byte offset the problem was found at, if known.
    """

    text: str
    codec: str
    bom: bytes = b""
    declared: str | None = None
    problem: str | None = None
    problem_offset: int | None = None

    @property
    def clean(self) -> bool:
        """True when the bytes decoded without loss."""
        return self.problem is None


def declared_charset(data: bytes) -> str | None:
    """The charset label an HTML/XML file declares near its start, if any."""
    found = _DECLARED.search(data, 0, _SNIFF_BYTES)
    if found is None:
        return None
    label = found.group(1) or found.group(2)
    return label.decode("ascii").lower()


def _codec(label: str) -> str | None:
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    return _FALLBACK if name in _AS_WINDOWS_1252 else name


def decode_template(data: bytes, *, html: bool) -> Decoded:
    """Decode a template file's bytes.

    Args:
        data: the file's bytes.
        html: True for ``.htm``/``.html`` files, whose declared charset counts.

    Returns:
        The text and the details lint and ``--fix`` need.
    """
    for bom, bom_codec in _BOMS:
        if data.startswith(bom):
            return _decode(data, bom_codec, bom, None)
    declared = declared_charset(data) if html else None
    if declared is None:
        result = _decode(data, "utf-8", b"", None)
        if result.clean:
            return result
        assert result.problem_offset is not None
        return _decode(
            data,
            _FALLBACK,
            b"",
            None,
            problem=("not UTF-8 and no charset declared", result.problem_offset),
        )
    codec = _codec(declared)
    if codec is None:
        fallback = _decode(data, "utf-8", b"", declared)
        return _decode(
            data,
            fallback.codec if fallback.clean else _FALLBACK,
            b"",
            declared,
            problem=(f"declares an unknown charset {declared!r}", None),
        )
    return _decode(data, codec, b"", declared)


def _decode(
    data: bytes,
    codec: str,
    bom: bytes,
    declared: str | None,
    problem: tuple[str, int | None] | None = None,
) -> Decoded:
    body = data[len(bom) :]
    try:
        text = body.decode(codec)
    except UnicodeDecodeError as exc:
        offset = len(bom) + exc.start
        label = declared or codec
        reason: tuple[str, int | None] = problem or (f"bytes that are not valid {label}", offset)
        return Decoded(body.decode(codec, errors="replace"), codec, bom, declared, *reason)
    if problem is not None:
        return Decoded(text, codec, bom, declared, *problem)
    return Decoded(text, codec, bom, declared)
