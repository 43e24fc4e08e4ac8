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
    row = _clean(scope, owner, culture, word)
    with store.transaction() as conn:
        cursor = conn.execute(
            "INSERT OR IGNORE INTO spelling_ignore (scope, owner, culture, word, added_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (*row, now_iso()),
        )
    return cursor.rowcount == 1


def remove_ignored_word(store: Store, *, scope: Scope, owner: str, culture: str, word: str) -> bool:
    """Remove ``word`` from an ignore list; False if it was not there."""
    row = _clean(scope, owner, culture, word)
    with store.transaction() as conn:
        cursor = conn.execute(
            "DELETE FROM spelling_ignore WHERE scope = ? AND owner = ? AND culture = ?"
            " AND word = ?",
            row,
        )
    return cursor.rowcount == 1


def ignored_words(
    store: Store, culture: str, *, agent_id: str | None = None, groups: Iterable[str] = ()
) -> IgnoreList:
    """The ignore list that applies to ``agent_id`` working for ``groups`` in ``culture``."""
    owners: list[tuple[str, str]] = [("group", g) for g in groups]
    if agent_id:
        owners.append(("agent", agent_id))
    if not owners:
        return IgnoreList()
    where = " OR ".join("(scope = ? AND owner = ?)" for _ in owners)
    params: list[object] = [canonical_culture(culture)]
    for scope, owner in owners:
        params += [scope, owner]
    rows = store.query(
        f"SELECT word FROM spelling_ignore WHERE culture = ? AND ({where})", tuple(params)
    )
    return IgnoreList(frozenset(row["word"] for row in rows))


def list_ignored(
    store: Store, *, scope: Scope | None = None, owner: str | None = None
) -> list[dict[str, str]]:
    """Every ignore-list entry (optionally one scope or owner), for listing."""
    sql = "SELECT scope, owner, culture, word, added_at FROM spelling_ignore WHERE 1 = 1"
    params: list[object] = []
    if scope is not None:
        sql += " AND scope = ?"
        params.append(scope)
    if owner is not None:
        sql += " AND owner = ?"
        params.append(owner)
    rows = store.query(sql + " ORDER BY scope, owner, culture, word", tuple(params))
    return [dict(row) for row in rows]
