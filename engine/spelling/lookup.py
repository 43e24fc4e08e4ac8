"""spylls' word lookup, made fast enough for German compounds while an agent types.

A word that is not in the dictionary is, for a compounding language, tried
as every split into begin, middle and end parts, and each part as every
stem + affix analysis. spylls does this faithfully but slowly: profiling a
half-typed ``Rückerst`` showed most of the time in filtering the candidate
suffixes of each part through generator expressions, and the same parts
analysed again on the next key (``Rück``, ``Rücke``, ... come back with
every letter typed).

:class:`FastLookup` keeps spylls' algorithm and results and changes two
things: suffixes and prefixes are found through a table keyed by their text
and filtered with set operations, and the analyses of compound parts are
remembered (they depend only on the part and the dictionary). The
top-level analysis of a whole word stays lazy, so a known word still stops
at its first good form. ``tests/test_spelling_lookup.py`` checks it against
spylls' own lookup word by word.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from spylls.hunspell.algo.lookup import AffixForm, Lookup

#: Remembered analyses (compound parts, suffix splits); past this they start afresh.
MEMO_LIMIT = 100_000


class _AffixTable:
    """Affixes by the text they add, with their flags as frozen sets."""

    def __init__(self, affixes: Any) -> None:
        self.by_add: dict[str, list[tuple[Any, frozenset[str]]]] = {}
        for group in affixes.values():
            for affix in group:
                self.by_add.setdefault(str(affix.add), []).append((affix, frozenset(affix.flags)))
        self.longest = max((len(add) for add in self.by_add), default=0)

    def ending(self, word: str) -> Iterator[tuple[Any, frozenset[str]]]:
        """Suffixes whose added text ends ``word`` (the empty one included)."""
        size = len(word)
        for length in range(min(self.longest, size) + 1):
            found = self.by_add.get(word[size - length :])
            if found:
                yield from found

    def starting(self, word: str) -> Iterator[tuple[Any, frozenset[str]]]:
        """Prefixes whose added text starts ``word`` (the empty one included)."""
        for length in range(min(self.longest, len(word)) + 1):
            found = self.by_add.get(word[:length])
            if found:
                yield from found


class FastLookup(Lookup):  # type: ignore[misc]
    """spylls' :class:`Lookup` with indexed affixes and remembered compound parts."""

    def __init__(self, aff: Any, dic: Any) -> None:
        super().__init__(aff, dic)
        self._suffixes = _AffixTable(aff.SFX)
        self._prefixes = _AffixTable(aff.PFX)
        self._parts: dict[tuple[Any, ...], tuple[AffixForm, ...]] = {}
        self._splits: dict[tuple[Any, ...], tuple[AffixForm, ...]] = {}

    def affix_forms(
        self,
        word: str,
        captype: Any,
        allow_nosuggest: bool = True,
        prefix_flags: list[str] = [],  # noqa: B006 - spylls' signature
        suffix_flags: list[str] = [],  # noqa: B006
        forbidden_flags: list[str] = [],  # noqa: B006
        compoundpos: Any = None,
        with_forbidden: bool = False,
    ) -> Iterator[AffixForm]:
        """spylls' analyses of ``word``; those of compound parts are remembered."""
        if compoundpos is None:
            # A whole word: stay lazy, the first good form is enough.
            return super().affix_forms(  # type: ignore[no-any-return]
                word,
                captype,
                allow_nosuggest,
                prefix_flags,
                suffix_flags,
                forbidden_flags,
                compoundpos,
                with_forbidden,
            )
        key = (
            word,
            captype,
            allow_nosuggest,
            tuple(prefix_flags),
            tuple(suffix_flags),
            tuple(forbidden_flags),
            compoundpos,
            with_forbidden,
        )
        forms = self._parts.get(key)
        if forms is None:
            forms = tuple(
                super().affix_forms(
                    word,
                    captype,
                    allow_nosuggest,
                    prefix_flags,
                    suffix_flags,
                    forbidden_flags,
                    compoundpos,
                    with_forbidden,
                )
            )
            _remember(self._parts, key, forms)
        return iter(forms)

    def desuffix(
        self,
        word: str,
        required_flags: list[str],
        forbidden_flags: list[str],
        nested: bool = False,
        crossproduct: bool = False,
    ) -> Iterator[AffixForm]:
        """The same forms as spylls' ``desuffix``, found through the suffix table."""
        key = (word, tuple(required_flags), tuple(forbidden_flags), nested, crossproduct)
        forms = self._splits.get(key)
        if forms is None:
            forms = tuple(
                self._desuffix(word, required_flags, forbidden_flags, nested, crossproduct)
            )
            _remember(self._splits, key, forms)
        return iter(forms)

    def _desuffix(
        self,
        word: str,
        required_flags: list[str],
        forbidden_flags: list[str],
        nested: bool,
        crossproduct: bool,
    ) -> Iterator[AffixForm]:
        suffixes = self._suffixes.ending(word)
        if crossproduct:
            suffixes = ((sfx, flags) for sfx, flags in suffixes if sfx.crossproduct)
        for suffix, stem in _stems(suffixes, word, required_flags, forbidden_flags):
            yield AffixForm(word, stem, suffix=suffix)
            if not nested:
                for inner in self.desuffix(
                    stem,
                    [suffix.flag, *required_flags],
                    forbidden_flags,
                    nested=True,
                    crossproduct=crossproduct,
                ):
                    yield inner.replace(suffix2=suffix, text=word)

    def deprefix(
        self, word: str, required_flags: list[str], forbidden_flags: list[str], nested: bool = False
    ) -> Iterator[AffixForm]:
        """The same forms as spylls' ``deprefix``, found through the prefix table."""
        prefixes = self._prefixes.starting(word)
        for prefix, stem in _stems(prefixes, word, required_flags, forbidden_flags):
            yield AffixForm(word, stem, prefix=prefix)
            if not nested and self.aff.COMPLEXPREFIXES:
                for inner in self.deprefix(
                    stem, [prefix.flag, *required_flags], forbidden_flags, nested=True
                ):
                    yield inner.replace(prefix2=prefix, text=word)


def _stems(
    affixes: Iterable[tuple[Any, frozenset[str]]],
    word: str,
    required_flags: list[str],
    forbidden_flags: list[str],
) -> Iterator[tuple[Any, str]]:
    """(affix, stem) for the affixes whose flags and condition allow taking them off ``word``."""
    required = frozenset(required_flags)
    forbidden = frozenset(forbidden_flags)
    for affix, flags in affixes:
        if not required <= flags or not forbidden.isdisjoint(flags):
            continue
        stem = affix.replace_regexp.sub(affix.strip, word)
        if affix.cond_regexp.search(stem):
            yield affix, stem


def _remember(
    memo: dict[tuple[Any, ...], tuple[AffixForm, ...]],
    key: tuple[Any, ...],
    forms: tuple[AffixForm, ...],
) -> None:
    if len(memo) >= MEMO_LIMIT:
        memo.clear()
    memo[key] = forms


def speed_up(dictionary: Any) -> None:
    """Give a spylls ``Dictionary`` the fast lookup (same answers, see the module)."""
    dictionary.lookuper = FastLookup(dictionary.aff, dictionary.dic)
