"""Address lists read from the raw header, before any RFC 2047 decoding.

An encoded word is decoded only inside a display name, after the list has
been split into addresses, so ``=?utf-8?Q?boss=40bank.example=2C?=
<attacker@evil.example>`` is attacker@evil.example with the name
"boss@bank.example,", and an encoded CR LF never starts a header line.

Splitting uses ``email.utils.getaddresses`` on the undecoded value. Long
lists of plain elements (``a@b``, ``<a@b>``, ``Name <a@b>``, ``"Name" <a@b>``)
are read by one regular expression first: the stdlib's reader takes over a
second for 100,000 addresses; anything less plain goes to the stdlib.
"""

from __future__ import annotations

import email.utils
import re
from collections.abc import Iterable
from email.headerregistry import Address

from engine.mail.charsets import decode_raw_value, decode_words, header_bytes

#: Above this many characters a value is split by the fast reader first.
FAST_OVER = 4_000

# The stdlib's reader ends atoms at its specials and at " \t\r\n" only (a
# no-break space is part of a word), so these patterns do the same.
_ADDR = r"[^ \t\r\n<>\"(),:;@\[\]\\]+@[^ \t\r\n<>\"(),:;@\[\]\\]+"
_NAME = r"[^ \t\r\n\"<>@,()\[\]:;\\][^\"<>@,()\[\]:;\\]*?"
_WS = "[ \t\r\n]*"
#: One plain element and the comma after it: "Name" <a@b> | <a@b> | a@b | Name <a@b>.
_PLAIN = re.compile(
    rf'({_WS}(?:"([^"]*)"{_WS}<({_ADDR})>|<({_ADDR})>|({_ADDR})|({_NAME}){_WS}<({_ADDR})>)'
    rf"{_WS}(?:,|\Z))"
)
_FWS = re.compile("[ \t\r\n]+")
_SPACES = re.compile(r"\s+")
_LINE_BREAKS = re.compile(r"[\r\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029]+")
_FOLD = re.compile(r"\r?\n[ \t]*")


def unfold(value: str) -> str:
    """One line: each line break and the white space after it become one space."""
    if "\n" not in value:
        return value.strip()
    value = value.replace("\r\n", "\n")
    for _ in range(3):
        # str.replace is ten times faster than a regular expression on the
        # 100,000 folded lines of a huge recipient list.
        if "\n " not in value and "\n\t" not in value:
            return value.replace("\n", " ").strip()
        value = value.replace("\n ", "\n").replace("\n\t", "\n")
    return _FOLD.sub(" ", value).strip()


def split_addresses(value: str) -> list[tuple[str, str]]:
    """(undecoded display name, address) pairs of one header value, as the stdlib reads them."""
    return _split(value)[0]


def _split(value: str) -> tuple[list[tuple[str, str]], bool]:
    """The pairs, and whether all are plain (each address has an ``@``).

    A long value made only of plain elements is read by one regular
    expression (the stdlib's reader takes over a second for 100,000
    addresses); any other value goes to ``email.utils.getaddresses``.
    """
    if len(value) <= FAST_OVER or any(ch in value for ch in "():;\\"):
        return email.utils.getaddresses([value]), False
    found = _PLAIN.findall(value)
    if sum(len(item[0]) for item in found) != len(value):
        # Something in it is not plain (the matches leave a gap): the stdlib reads it.
        return email.utils.getaddresses([value]), False
    return [
        (quoted, in_quoted)
        if in_quoted
        else ("", angle or bare)
        if angle or bare
        else (_FWS.sub(" ", name).strip(" \t\r\n"), in_named)
        for _, quoted, in_quoted, angle, bare, name, in_named in found
    ], True


def single_line(text: str) -> str:
    """``text`` on one line: line breaks become spaces, NUL characters go."""
    if text.isprintable():
        return text.strip()
    if "\x00" in text:
        text = text.replace("\x00", "")
    if _LINE_BREAKS.search(text):
        text = _SPACES.sub(" ", _LINE_BREAKS.sub(" ", text))
    return text.strip()


def display_name(raw_name: str, declared: Iterable[str], problems: list[str] | None) -> str:
    """Decode an undecoded display name: raw 8-bit bytes and encoded words."""
    if not raw_name:
        return ""
    if "=?" in raw_name:
        text = decode_words(header_bytes(raw_name), declared, problems)
    else:
        text = decode_raw_value(raw_name, declared)
    return single_line(text)


def read_addresses(
    values: Iterable[str],
    declared: Iterable[str],
    problems: list[str],
    header: str,
) -> list[tuple[str, str]]:
    """(display name, address) pairs of all ``values`` of one header.

    ``values`` are header values as the parser gave them (unfolded or not).
    Elements without an ``@`` are dropped, except a bare word right before a
    named address, which is the first half of an unquoted "Last, First" name.
    For From, a value without any address keeps its text as the name.
    """
    out: list[tuple[str, str]] = []
    texts: list[str] = []
    bare: list[tuple[str, str]] = []
    for value in values:
        value = value.replace("\x00", "")
        if not value.isascii() and "=?" not in value:
            # Raw 8-bit bytes without encoded words: decoding them first cannot
            # add an address character (only ASCII-compatible charsets are
            # tried), and keeps a Shift_JIS trail byte 0x5C from escaping a quote.
            value = decode_raw_value(value, declared)
        value = unfold(value)
        if not value:
            continue
        texts.append(value)
        try:
            pairs, plain = _split(value)
        except Exception as exc:  # the stdlib reader is lenient, but not infinitely
            problems.append(f"{header}: unreadable addresses ({exc.__class__.__name__})")
            continue
        if plain and value.isascii() and value.isprintable() and "=?" not in value:
            # Every name and address is already clean text (the huge lists).
            out.extend([(name.strip(), address) for name, address in pairs])
            continue
        held = ""
        for raw_name, address in pairs:
            if "@" not in address:
                address = address.strip()
                if raw_name or address:
                    bare.append((raw_name, address))
                word = (raw_name or address).strip()
                held = word if word and not raw_name else ""
                continue
            if held:
                raw_name = f"{held}, {raw_name}" if raw_name else raw_name
                held = ""
            if raw_name and not (
                raw_name.isascii() and raw_name.isprintable() and "=?" not in raw_name
            ):
                raw_name = display_name(raw_name, declared, problems)
            if (
                not (address.isascii() and address.isprintable())
                or address[0] == " "
                or address[-1] == " "
            ):
                address = single_line(_address(address, declared))
            out.append((raw_name.strip(), address))
    if not out and bare:
        # Keep something to show: bare words are not addresses, but the
        # sender's display text is still useful to a person.
        problems.append(f"{header}: no valid address in {texts[0][:80]!r}")
        if header == "From":
            raw_name, word = bare[0]
            text = display_name(raw_name, declared, problems) or display_name(word, declared, None)
            return [(text, "")] if text else []
    return out


def _address(address: str, declared: Iterable[str]) -> str:
    return address if address.isascii() else decode_raw_value(address, declared)


# -- addresses a person typed (To and Cc in the composer) -----------------------------

#: A domain: labels of letters, digits and inner dashes (any script), dot-separated.
_LABEL = r"[^\W_](?:[\w-]*[^\W_])?"
_TYPED_ADDR = rf"[^ \t\r\n<>\"(),:;@\[\]\\]+@{_LABEL}(?:\.{_LABEL})*"
#: One typed element: a@b, <a@b>, Name <a@b> or "Name" <a@b>.
_TYPED = re.compile(
    rf'\s*(?:"(?P<quoted>[^"]*)"\s*<(?P<in_quoted>{_TYPED_ADDR})>'
    rf"|(?P<name>[^\"<>@,;]*?)\s*<(?P<in_named>{_TYPED_ADDR})>"
    rf"|(?P<bare>{_TYPED_ADDR}))\s*"
)


def _typed_elements(text: str) -> list[str]:
    """``text`` split at commas and semicolons outside double quotes and angle brackets."""
    elements: list[str] = []
    current: list[str] = []
    quoted = angle = False
    for ch in text:
        if ch == '"' and not angle:
            quoted = not quoted
        elif ch == "<" and not quoted:
            angle = True
        elif ch == ">" and not quoted:
            angle = False
        elif ch in ",;" and not quoted and not angle:
            elements.append("".join(current))
            current = []
            continue
        current.append(ch)
    elements.append("".join(current))
    return [e.strip() for e in elements if e.strip()]


def element_at(text: str, cursor: int) -> tuple[int, int]:
    """Where the typed element holding ``cursor`` starts and ends in ``text``.

    Elements are split as :func:`typed_addresses` splits them (at commas and
    semicolons outside quotes and angle brackets); the separators are not part
    of them. In ``a@x.example, ma`` the cursor at the end is in ``(13, 16)``.
    """
    start = 0
    quoted = angle = False
    for index, ch in enumerate(text):
        if ch == '"' and not angle:
            quoted = not quoted
        elif ch == "<" and not quoted:
            angle = True
        elif ch == ">" and not quoted:
            angle = False
        elif ch in ",;" and not quoted and not angle:
            if index >= cursor:
                return start, index
            start = index + 1
    return start, len(text)


def typed_addresses(text: str) -> tuple[tuple[tuple[str, str], ...], tuple[str, ...]]:
    """The recipients a person typed, and what of it is not an address.

    Elements are separated by commas or semicolons (not inside a quoted name
    or angle brackets) and each must be one whole address: ``a@b.example``,
    ``<a@b.example>``, ``Name <a@b.example>`` or ``"Last, First" <a@b.example>``.
    Nothing is guessed: ``not an addressTest`` or ``carol@example.comHello
    ther`` is refused as typed, not read as ``not`` or ``carol@example.comHello``
    as the lenient readers of received headers would.

    Returns:
        ((display name, address) of each good element, each element that is not
        an address, as typed), both in the order typed.
    """
    good: list[tuple[str, str]] = []
    bad: list[str] = []
    for element in _typed_elements(single_line(text)):
        found = _TYPED.fullmatch(element)
        if found is None:
            bad.append(element)
            continue
        name = found["quoted"] if found["quoted"] is not None else (found["name"] or "")
        address = found["in_quoted"] or found["in_named"] or found["bare"]
        good.append((name.strip(), address))
    return tuple(good), tuple(bad)


def recipient(name: str, address: str) -> str:
    """One recipient as a header writes it: ``a@b``, ``Name <a@b>``, ``"Last, First" <a@b>``."""
    local, _, domain = address.rpartition("@")
    return str(Address(display_name=name, username=local, domain=domain))


def typed_recipients(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """:func:`typed_addresses` written as header elements, and what is not an address."""
    good, bad = typed_addresses(text)
    return tuple(recipient(name, address) for name, address in good), bad
