"""Text from e-mails, made safe to show: never markup, control characters inert.

Subjects, names, bodies and attachment names come from strangers. Every such
string goes through this module before it reaches a widget, editable fields
included (the composer's To, Cc, Subject and body, the supervisor's review
editor). It is turned into :class:`~textual.content.Content` objects (never
parsed as markup), and characters that could act on the terminal or lie
about the text are replaced by a visible ``\\x1b``/``\\u202e`` spelling:

- C0 and C1 controls and DEL (so no ESC, CSI, OSC or BEL reaches the terminal:
  ``\\x1b[2J`` cannot clear the screen, ``\\x1b]0;...\\x07`` cannot set the title);
- bidi controls (U+061C, U+200E/U+200F, U+202A-U+202E, U+2066-U+2069), which
  make text show in another order than it is;
- zero-width and other invisible format characters (U+200B-U+200D, U+2060-U+2064,
  U+206A-U+206F, U+FEFF, U+180E, U+FFF9-U+FFFB, tag characters U+E0000-U+E007F),
  which hide text and make a terminal and the layout disagree about widths;
- the line and paragraph separators U+2028/U+2029 and lone surrogates.

The soft hyphen (U+00AD) is removed: it only marks where a word may break.
Newlines (and tabs, as spaces) are kept in multi-line text only.
"""

from __future__ import annotations

import re

from textual.content import Content

# Everything that must never be written to the terminal as is (see the module text).
_UNSAFE = (
    "\x00-\x08\x0b-\x1f\x7f-\x9f"  # C0 (but tab and newline), DEL, C1
    "\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f"
    "\ufeff\ufff9-\ufffb\U000e0000-\U000e007f"
    "\ud800-\udfff"  # lone surrogates (undecodable bytes kept by surrogateescape)
)
_CONTROL = re.compile(f"[{_UNSAFE}]")
_LINE_CONTROL = re.compile(f"[\t\n{_UNSAFE}]")
_SOFT_HYPHEN = "\u00ad"


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def inert(text: str, *, multiline: bool = False) -> str:
    """``text`` with unsafe characters spelled out (newlines and tabs kept if multiline)."""
    if _SOFT_HYPHEN in text:
        text = text.replace(_SOFT_HYPHEN, "")
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
