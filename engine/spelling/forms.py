"""Every surface form of a dictionary, as sets: a cheap first test for suggestion candidates.

Hunspell's suggestion search tries thousands of one-letter edits of a
misspelling. Asking spylls' full lookup about each costs 0.3 ms (1-6 ms with
German compounds), which is why spylls' own ``suggest()`` takes seconds in
de-DE. Expanding the dictionary once (stems with their prefixes and suffixes,
one level of twofold suffixes) gives sets where a candidate is tested in
well under a microsecond; only the few that pass go to the real lookup, which
stays the judge. The sets may hold a few forms the lookup refuses (forbidden
words, NEEDAFFIX stems) and may lack rare ones; both only cost a little
recall, never a wrong suggestion.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class FormIndex:
    """Lower-cased surface forms: standalone words, and compound parts by position."""

    words: set[str] = field(default_factory=set)
    begin: set[str] = field(default_factory=set)
    middle: set[str] = field(default_factory=set)
    end: set[str] = field(default_factory=set)
    min_part: int = 3
    max_parts: int = 4

    @property
    def compounds(self) -> bool:
        """Whether the dictionary builds compounds from flagged parts (German does)."""
        return bool(self.begin and self.end)

    def may_be_compound(self, word: str) -> bool:
        """Whether ``word`` (lower case) splits into begin + middle* + end parts.

        A necessary condition only; the lookup checks the real compound rules.
        """
        size = len(word)
        low = self.min_part
        if size < 2 * low:
            return False
        # frontier: positions reachable with k parts so far (k >= 1).
        frontier = {i for i in range(low, size - low + 1) if word[:i] in self.begin}
        for _ in range(self.max_parts - 1):
            if not frontier:
                return False
            if any(word[i:] in self.end for i in frontier):
                return True
            frontier = {
                j
                for i in frontier
                for j in range(i + low, size - low + 1)
                if word[i:j] in self.middle
            }
        return False


def _applies(affix: Any, stem: str, *, suffix: bool) -> bool:
    if suffix:
        return stem.endswith(affix.strip) and affix.cond_regexp.search(stem) is not None
    return stem.startswith(affix.strip) and affix.cond_regexp.search(stem) is not None


def _with_suffix(affix: Any, stem: str) -> str:
    return stem[: len(stem) - len(affix.strip)] + str(affix.add)


def _with_prefix(affix: Any, stem: str) -> str:
    return str(affix.add) + stem[len(affix.strip) :]


def _forms_of(word: Any, aff: Any) -> Iterable[tuple[str, set[str]]]:
    """(form, effective flags) for one dictionary entry."""
    stem: str = word.stem
    flags: set[str] = set(word.flags)
    yield stem, flags
    suffixed: list[tuple[Any, str, set[str]]] = []
    for flag in word.flags:
        for sfx in aff.SFX.get(flag, ()):
            if not _applies(sfx, stem, suffix=True):
                continue
            form = _with_suffix(sfx, stem)
            form_flags = flags | sfx.flags
            suffixed.append((sfx, form, form_flags))
            yield form, form_flags
            for flag2 in sfx.flags:  # twofold suffixes
                for sfx2 in aff.SFX.get(flag2, ()):
                    if _applies(sfx2, form, suffix=True):
                        yield _with_suffix(sfx2, form), form_flags | sfx2.flags
    for flag in word.flags:
        for pfx in aff.PFX.get(flag, ()):
            if not _applies(pfx, stem, suffix=False):
                continue
            yield _with_prefix(pfx, stem), flags | pfx.flags
            if pfx.crossproduct:
                for sfx, form, form_flags in suffixed:
                    if sfx.crossproduct and _applies(pfx, form, suffix=False):
                        yield _with_prefix(pfx, form), form_flags | pfx.flags


def build_form_index(aff: Any, dic: Any) -> FormIndex:
    """Expand a spylls ``Aff``/``Dic`` pair into a :class:`FormIndex` (about 1 s for de-DE)."""
    index = FormIndex(min_part=max(aff.COMPOUNDMIN or 1, 2), max_parts=aff.COMPOUNDWORDMAX or 4)
    only_in_compound = aff.ONLYINCOMPOUND
    anywhere = aff.COMPOUNDFLAG
    begin = {f for f in (anywhere, aff.COMPOUNDBEGIN) if f}
    middle = {f for f in (anywhere, aff.COMPOUNDMIDDLE) if f}
    end = {f for f in (anywhere, aff.COMPOUNDEND) if f}
    for word in dic.words:
        for form, flags in _forms_of(word, aff):
            low = form.lower()
            if not (only_in_compound and only_in_compound in flags):
                index.words.add(low)
            if begin & flags:
                index.begin.add(low)
            if middle & flags:
                index.middle.add(low)
            if end & flags:
                index.end.add(low)
    return index
