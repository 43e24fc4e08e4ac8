"""Finding ``::word`` shortcuts in what an agent types.

The composer asks :func:`shortcut_before` after each keystroke (cheap: one
regular-expression search over the text just before the cursor) and, when it
finds a shortcut the library knows, replaces that span with the rendered
response.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: ``::word`` not glued to a word or another ``:`` before it (so ``a::b`` and
#: ``:::x`` in pasted code are left alone). Same characters as a shortcut line.
_TOKEN = re.compile(r"(?<![\w:])::([^\W_][\w-]*)")
#: How far back from the cursor a shortcut can start; bounds the search.
_MAX_LOOKBACK = 80


@dataclass(frozen=True, slots=True)
class ShortcutMatch:
    """A ``::word`` in a text.

    Attributes:
        start: Index of the first ``:``.
        end: Index just after the word.
        word: The word without ``::``.
    """

    start: int
    end: int
    word: str


def shortcut_before(text: str, cursor: int) -> ShortcutMatch | None:
    """The ``::word`` that ends exactly at ``cursor``, if the agent just typed one.

    Args:
        text: The composer's text.
        cursor: Index in ``text`` of the cursor.

    Returns:
        The match, or ``None`` when no shortcut ends at the cursor.
    """
    begin = max(0, cursor - _MAX_LOOKBACK)
    found = None
    for match in _TOKEN.finditer(text, begin, cursor):
        found = match
    if found is None or found.end() != cursor:
        return None
    return ShortcutMatch(found.start(), found.end(), found.group(1))


def find_shortcuts(text: str) -> list[ShortcutMatch]:
    """Every ``::word`` in ``text``, in order (known to the library or not)."""
    return [ShortcutMatch(m.start(), m.end(), m.group(1)) for m in _TOKEN.finditer(text)]
