"""Ignore lists kept in the store: words an agent adds, words a supervisor adds for a group.

Table ``spelling_ignore`` (migration ``0002_spelling_ignore``). A word is kept
per culture, since "Kunde" is right in German and wrong in English. A word
entered in lower case also covers its capitalised and upper-case forms (as
Hunspell's personal dictionaries do); one entered with capitals only covers
itself and its upper-case form.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Literal

from engine.spelling.cultures import canonical_culture
from engine.store import Store, now_iso
from engine.store import spelling_ignore as rows

Scope = Literal["agent", "group"]
SCOPES: tuple[Scope, ...] = ("agent", "group")


@dataclass(frozen=True)
class IgnoreList:
    """Words to accept in one culture for one agent (their own and their groups')."""

    words: frozenset[str] = frozenset()

    def __contains__(self, word: object) -> bool:
        if not isinstance(word, str):
            return False
        return (
            word in self.words
            or word.lower() in self.words
            or (word.isupper() and any(w.upper() == word for w in self.words))
        )

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self.words))

    def __len__(self) -> int:
        return len(self.words)


def _clean(scope: str, owner: str, culture: str, word: str) -> tuple[str, str, str, str]:
    if scope not in SCOPES:
        raise ValueError(f"scope must be 'agent' or 'group', not {scope!r}")
    word = word.strip()
    if not word or any(ch.isspace() for ch in word):
        raise ValueError(f"an ignored word is one word, not {word!r}")
    if not owner:
        raise ValueError("an ignored word needs an owner (agent id or group name)")
    return scope, owner, canonical_culture(culture), word


def add_ignored_word(store: Store, *, scope: Scope, owner: str, culture: str, word: str) -> bool:
    """Add ``word`` to an agent's or a group's ignore list; False if it was there already."""
    return rows.add(store, *_clean(scope, owner, culture, word), now_iso())


def remove_ignored_word(store: Store, *, scope: Scope, owner: str, culture: str, word: str) -> bool:
    """Remove ``word`` from an ignore list; False if it was not there."""
    return rows.remove(store, *_clean(scope, owner, culture, word))


def ignored_words(
    store: Store, culture: str, *, agent_id: str | None = None, groups: Iterable[str] = ()
) -> IgnoreList:
    """The ignore list that applies to ``agent_id`` working for ``groups`` in ``culture``."""
    owners: list[tuple[str, str]] = [("group", g) for g in groups]
    if agent_id:
        owners.append(("agent", agent_id))
    if not owners:
        return IgnoreList()
    return IgnoreList(frozenset(rows.words_of(store, canonical_culture(culture), owners)))


def list_ignored(
    store: Store, *, scope: Scope | None = None, owner: str | None = None
) -> list[dict[str, str]]:
    """Every ignore-list entry (optionally one scope or owner), for listing."""
    return [dict(row) for row in rows.listed(store, scope=scope, owner=owner)]
