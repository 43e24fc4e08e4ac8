"""Identifiers split by an editor, and how to put them back together.

Word marks a word it thinks misspelled by wrapping it in
``<span class=SpellE>``; inside an identifier that gives
``$From.<span class=SpellE>Name</span>$``, which no longer reads as one. It
also wraps long source lines and writes ``&nbsp;`` and ``<o:p>`` wherever it
likes. A *split identifier* is a ``$...$`` run whose only extra content is
such noise and whose letters spell a known identifier.

The repair keeps every tag that matters to the markup: tag pairs opened and
closed inside the identifier are dropped, tags opened inside move in front of
it, tags closed inside (and any others) move behind it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from engine.templates.identifiers import canonical

#: How far a split identifier may stretch; Word's noise is rarely longer.
_MAX_SPAN = 1000
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.")
_ENTITY = re.compile(r"&(?:nbsp|#160|#x0*a0);", re.IGNORECASE)
_WHITESPACE = re.compile(r"[ \t\r\n]+")
_TAG_NAME = re.compile(r"</?\s*([A-Za-z][A-Za-z0-9:_-]*)")
_VOID = frozenset({"br", "img", "hr", "wbr", "meta", "link", "input", "col", "area", "base"})


@dataclass(frozen=True)
class Split:
    """A split identifier found in a template's text.

    Attributes:
        start: offset of the opening ``$``.
        end: offset just past the closing ``$``.
        name: the identifier as its letters spell it (the author's case).
        replacement: the continuous identifier plus the tags kept around it.
        wrapped_after: a line break follows the name's last letter.
    """

    start: int
    end: int
    name: str
    replacement: str
    #: A line break stands between the name's last letter and the closing ``$``.
    wrapped_after: bool = False


def find_splits(text: str, *, html: bool) -> list[Split]:
    """Every split identifier in ``text``, in order.

    Args:
        text: a template's text.
        html: True to treat tags and ``&nbsp;`` as noise; line breaks are
            noise in both kinds of template.

    Returns:
        The split identifiers; continuous ones and unknown names are not listed.
    """
    found: list[Split] = []
    position = text.find("$")
    while position != -1:
        split = _split_at(text, position, html)
        if (
            split is not None
            and split.wrapped_after
            and _starts_identifier(text, split.end - 1, html)
        ):
            # ``$Agent.FirstName`` + line break + ``<span>$Subj</span>ect$``: the
            # ``$`` after the line break opens the next identifier; it does not
            # close an unclosed one.
            split = None
        if split is None:
            position = text.find("$", position + 1)
        else:
            found.append(split)
            position = text.find("$", split.end)
    return found


def _starts_identifier(text: str, position: int, html: bool) -> bool:
    """Whether the ``$`` at ``position`` opens a known identifier, continuous or split."""
    if _split_at(text, position, html) is not None:
        return True
    close = text.find("$", position + 1, position + 1 + _MAX_SPAN)
    return close != -1 and canonical(text[position + 1 : close]) is not None


def repair(text: str, *, html: bool) -> str:
    """``text`` with every split identifier made continuous."""
    splits = find_splits(text, html=html)
    if not splits:
        return text
    pieces: list[str] = []
    last = 0
    for split in splits:
        pieces += [text[last : split.start], split.replacement]
        last = split.end
    pieces.append(text[last:])
    return "".join(pieces)


def _split_at(text: str, start: int, html: bool) -> Split | None:
    name: list[str] = []
    tags: list[str] = []
    noisy = wrapped_after = False
    limit = min(len(text), start + _MAX_SPAN)
    i = start + 1
    while i < limit:
        char = text[i]
        if char == "$":
            return _finish(text, start, i + 1, "".join(name), tags, noisy, wrapped_after)
        if char in _NAME_CHARS:
            name.append(char)
            wrapped_after = False
            i += 1
            continue
        step = _noise(text, i, html, tags)
        if step == 0:
            return None
        noisy = True
        wrapped_after = wrapped_after or (bool(name) and "\n" in text[i : i + step])
        i += step
    return None


def _noise(text: str, i: int, html: bool, tags: list[str]) -> int:
    """Length of the noise at ``i`` (0 when there is none); tags are collected."""
    char = text[i]
    if char in " \t\r\n":
        run = _WHITESPACE.match(text, i)
        assert run is not None
        # Plain spaces end an identifier; only a wrapped line is noise.
        return run.end() - i if "\n" in run.group() or "\r" in run.group() else 0
    if not html:
        return 0
    if char == "\u00a0":
        return 1
    if char == "&":
        entity = _ENTITY.match(text, i)
        return entity.end() - i if entity else 0
    if char == "<":
        close = text.find(">", i + 1, i + _MAX_SPAN)
        if close == -1 or "<" in text[i + 1 : close] or "$" in text[i + 1 : close]:
            return 0
        tags.append(text[i : close + 1])
        return close + 1 - i
    return 0


def _finish(
    text: str, start: int, end: int, name: str, tags: list[str], noisy: bool, wrapped_after: bool
) -> Split | None:
    if not noisy or not name[:1].isalpha() or canonical(name) is None:
        return None
    before, after = _rearrange(tags)
    replacement = "".join(before) + f"${name}$" + "".join(after)
    return Split(start, end, name, replacement, wrapped_after)


def _rearrange(tags: list[str]) -> tuple[list[str], list[str]]:
    """Tags to put before and after the mended identifier."""
    kept: list[tuple[str, str, str]] = []  # (kind, tag name, tag text)
    for tag in tags:
        kind, tag_name = _classify(tag)
        if kind == "close":
            for index in range(len(kept) - 1, -1, -1):
                if kept[index][0] == "open" and kept[index][1] == tag_name:
                    del kept[index]
                    break
            else:
                kept.append((kind, tag_name, tag))
        else:
            kept.append((kind, tag_name, tag))
    before = [tag for kind, _, tag in kept if kind == "open"]
    after = [tag for kind, _, tag in kept if kind != "open"]
    return before, after


def _classify(tag: str) -> tuple[str, str]:
    match = _TAG_NAME.match(tag)
    if match is None:
        return "other", ""  # comments, <![if ...]>, processing instructions
    tag_name = match.group(1).lower()
    if tag.startswith("</"):
        return "close", tag_name
    if tag.endswith("/>") or tag_name in _VOID:
        return "other", tag_name
    return "open", tag_name
