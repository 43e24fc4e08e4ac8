"""Finding ``::word`` shortcuts in what an agent types.

The composer asks :func:`shortcut_before` after each keystroke (cheap: one
regular-expression search over the text just before the cursor) and, when it
finds a shortcut the library knows, replaces that span with the rendered
response.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engine.responses.model import Response, ResponseTree
    from engine.templates import TemplateContext

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


@dataclass(frozen=True, slots=True)
class Expansion:
    """The composer's text after a ``::word`` was replaced by its response.

    Attributes:
        text: The whole new text.
        cursor: Where the cursor goes: just after the inserted response.
        response: The response that was inserted.
    """

    text: str
    cursor: int
    response: Response


def expand_at(
    text: str,
    cursor: int,
    tree: ResponseTree,
    context: TemplateContext,
    *,
    html: bool = False,
) -> Expansion | None:
    """Replace the ``::word`` just typed before ``cursor`` with its rendered response.

    Args:
        text: The composer's text.
        cursor: Index of the cursor in ``text``.
        tree: The service group's responses (``ResponseLibrary.tree()``).
        context: The values for the reply being written.
        html: True when the composer holds HTML; otherwise an HTML response
            is inserted as plain text.

    Returns:
        The new text and cursor, or ``None`` when no known shortcut ends at
        the cursor (the text is then left as typed).
    """
    match = shortcut_before(text, cursor)
    if match is None:
        return None
    response = tree.shortcut(match.word)
    if response is None:
        return None
    rendered = response.render(context)
    inserted = rendered.text if html or not rendered.html else rendered.as_text()
    return Expansion(
        text[: match.start] + inserted + text[match.end :],
        match.start + len(inserted),
        response,
    )
