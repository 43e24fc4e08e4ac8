"""Text from e-mails, made safe to show: never markup, control characters inert.

Subjects, names, bodies and attachment names come from strangers. They are
turned into :class:`~textual.content.Content` objects (never parsed as
markup), and control characters, ANSI escapes included, are replaced by a
visible ``\\x1b``-style spelling so they cannot move the cursor or recolour
the terminal.
"""

from __future__ import annotations

import re

from textual.content import Content

# C0 and C1 controls, DEL, and the bidi overrides that can make text lie about its order.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_LINE_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def inert(text: str, *, multiline: bool = False) -> str:
    """``text`` with control characters spelled out (newlines and tabs kept if multiline)."""
    if multiline:
        text = text.replace("\r\n", "\n").replace("\t", "    ")
        return _CONTROL.sub(_visible, text)
    return _LINE_CONTROL.sub(_visible, text)


def safe(text: str, *, multiline: bool = False) -> Content:
    """Untrusted ``text`` as Content: shown literally, whatever brackets it holds."""
    return Content(inert(text, multiline=multiline))


def one_line(text: str) -> str:
    """A header value for a single table cell: folded whitespace, controls inert."""
    return inert(" ".join(text.split()))
