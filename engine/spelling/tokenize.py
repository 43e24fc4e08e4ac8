"""Split e-mail text into the words a spell checker should look at.

Pure functions over text. Skipped, as an agent would expect: template
identifiers (``$From.Name$``), URLs, e-mail addresses, words containing
digits (order numbers, dates), and the text of others: quoted original text
(lines starting with ``>``, and the "On ..., ... wrote:" line over them) and a
forwarded message (from its "---------- Forwarded message ----------",
"-----Original Message-----" or "Begin forwarded message:" line to the end:
it is someone else's e-mail, often in another language, and the agent does
not write it). Apostrophes and hyphens inside a word stay in it, as in Hunspell: the
dictionary's BREAK rules then decide whether ``e-mail`` is checked whole or by
parts, and leading or trailing quotes are not part of the word.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

#: Spans blanked out before looking for words.
_SKIP = re.compile(
    r"""
      \$[^\s$]+\$                                   # template identifier $From.Name$
    | \b(?:[a-z][a-z0-9+.-]*://|www\.|mailto:)\S+   # URL
    | [\w.%+'-]+@[\w-]+(?:\.[\w-]+)+                # e-mail address
    """,
    re.VERBOSE | re.IGNORECASE,
)
#: A word: letters (and digits, so that such words can be skipped whole),
#: joined by single apostrophes or hyphens. ``\w`` covers every script.
_WORD = re.compile(r"\w+(?:['’-]\w+)*")
_QUOTED = re.compile(r"^\s*>")
#: The line a forwarded message starts with, as mail programs write it.
_FORWARDED = re.compile(
    r"^\s*(?:-{2,}\s*(?:forwarded message|original message)\s*-{2,}|begin forwarded message:)\s*$",
    re.IGNORECASE,
)
_HAS_DIGIT_OR_UNDERSCORE = re.compile(r"[\d_]")


@dataclass(frozen=True)
class Token:
    """A word to check, and where it is: 1-based line and column, 0-based offset."""

    word: str
    line: int
    column: int
    offset: int


def _blank(match: re.Match[str]) -> str:
    # Same length, so columns of later words stay true.
    return " " * len(match.group())


def _others(lines: list[str]) -> list[bool]:
    """For each line, whether it is someone else's text (quoted, attributed, forwarded)."""
    skip = [bool(_QUOTED.match(line)) for line in lines]
    for number, line in enumerate(lines):
        if _FORWARDED.match(line):
            skip[number:] = [True] * (len(lines) - number)
            break
        # "On 3/7/24, Ann wrote:" right over the quote it introduces.
        if line.rstrip().endswith(":") and number + 1 < len(lines) and skip[number + 1]:
            skip[number] = True
    return skip


def tokenize(text: str) -> Iterator[Token]:
    """Yield the words of ``text`` worth spell checking, in order."""
    offset = 0
    lines = text.splitlines(keepends=True)
    for number, (line, others) in enumerate(zip(lines, _others(lines), strict=True), start=1):
        if not others:
            for match in _WORD.finditer(_SKIP.sub(_blank, line)):
                word = match.group()
                if not _HAS_DIGIT_OR_UNDERSCORE.search(word):
                    start = match.start()
                    yield Token(word, number, start + 1, offset + start)
        offset += len(line)


def word_at(text: str, position: int) -> Token | None:
    """The checkable word touching ``position`` (a 0-based offset), e.g. the one being typed."""
    line_start = text.rfind("\n", 0, position) + 1
    line_end = text.find("\n", position)
    line = text[line_start : len(text) if line_end < 0 else line_end]
    for token in tokenize(line):
        if token.offset <= position - line_start <= token.offset + len(token.word):
            number = text.count("\n", 0, line_start) + 1
            return Token(token.word, number, token.column, line_start + token.offset)
    return None
