"""Suggestions within a time budget: Hunspell's search, made fast enough to type with.

The stages follow Hunspell's (and spylls'): one-step edits of the
misspelling in Hunspell's order (REP table, two words, MAP table, swaps, the
keyboard's KEY neighbours, a letter too many, a TRY letter missing, a moved
letter, a wrong TRY letter, doubled pairs), then, only if no good edit was
found, n-gram similarity against the dictionary. What changes is how a
candidate is tested: first against the :class:`~engine.spelling.forms.FormIndex`
sets, and only survivors go to spylls' full lookup. Compound candidates cost
most, so they are confirmed last, and n-grams get whatever time is left.

The search checks the clock and a cancel flag as it goes and always returns
the best suggestions found so far.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from spylls.hunspell.algo import ngram_suggest
from spylls.hunspell.algo import permutations as pmt
from spylls.hunspell.algo.capitalization import Type as CapType

from engine.spelling.forms import FormIndex

#: Hunspell's own cap on suggestions shown.
MAX_SUGGESTIONS = 15
#: Edit kinds that, when found, make n-gram guessing pointless (as in Hunspell).
GOOD_KINDS = frozenset({"replchars", "spaceword", "uppercase"})
#: Scan the whole dictionary for n-grams only when edits found fewer suggestions than this.
NGRAM_FULL_SCAN_BELOW = 1
#: Clock and cancel flag are looked at once per this many candidates.
_CHECK_EVERY = 32

Cancelled = Callable[[], bool]


@dataclass
class _Search:
    """State of one search: the deadline and what has been found."""

    deadline: float
    cancelled: Cancelled
    found: list[str] = field(default_factory=list)
    good: bool = False
    ticks: int = 0

    def out_of_time(self) -> bool:
        self.ticks += 1
        if self.ticks % _CHECK_EVERY:
            return False
        return time.monotonic() >= self.deadline or self.cancelled()

    def expired(self) -> bool:
        return time.monotonic() >= self.deadline or self.cancelled()


class FastSuggester:
    """Budgeted suggestion search over one spylls dictionary and its form index."""

    def __init__(self, dictionary: Any, forms: FormIndex) -> None:
        self._aff = dictionary.aff
        self._dic = dictionary.dic
        self._lookup = dictionary.lookuper
        self._forms = forms
        bad = {
            f for f in (self._aff.FORBIDDENWORD, self._aff.NOSUGGEST, self._aff.ONLYINCOMPOUND) if f
        }
        # n-gram roots sharing the misspelling's first letter are scanned first:
        # that bucket takes 10-20 ms where the whole list takes 150-200 ms, and
        # typos rarely touch the first letter.
        self._ngram_buckets: dict[str, list[Any]] = {}
        for entry in self._dic.words:
            if not bad & entry.flags:
                key = entry.stem[:1].lower()
                self._ngram_buckets.setdefault(key, []).append(entry)

    def suggest(
        self,
        word: str,
        deadline: float,
        cancelled: Cancelled = lambda: False,
        progress: Callable[[list[str]], None] | None = None,
    ) -> list[str]:
        """Suggestions for ``word``, best first, found before ``deadline`` (``time.monotonic()``).

        Args:
            word: The misspelling, as typed.
            deadline: When to stop and return what has been found.
            cancelled: Polled during the search; True stops it early.
            progress: Called with the list so far each time it grows.

        Returns:
            Up to :data:`MAX_SUGGESTIONS` suggestions, best first.
        """
        search = _Search(deadline, cancelled)
        captype, variants = self._aff.casing.corrections(word)

        def add(text: str, kind: str) -> None:
            text = self._finish(text, captype)
            if text and text not in search.found and text != word:
                search.found.append(text)
                search.good = search.good or kind in GOOD_KINDS
                if progress is not None:
                    progress(list(search.found))

        compound_candidates: list[str] = []
        for variant in variants:
            if search.expired():
                break
            if variant != word and self._good(variant, compound=False):
                add(variant, "case")
            self._edits(variant, search, add, compound_candidates)
        self._confirm_compounds(compound_candidates, search, add)
        if not search.good and not search.expired():
            for guess in self._ngrams(word, search):
                add(guess, "ngram")
        return search.found[:MAX_SUGGESTIONS]

    # -- stages -----------------------------------------------------------------

    def _edits(
        self,
        word: str,
        search: _Search,
        add: Callable[[str, str], None],
        compound_candidates: list[str],
    ) -> None:
        forms = self._forms
        for kind, candidate in self._candidates(word):
            if search.out_of_time() or len(search.found) >= MAX_SUGGESTIONS:
                return
            if isinstance(candidate, list):
                if all(p.lower() in forms.words for p in candidate) and all(
                    self._good(p, compound=False) for p in candidate
                ):
                    add(" ".join(candidate), kind)
                continue
            low = candidate.lower()
            if low in forms.words:
                if self._good(candidate, compound=False):
                    add(candidate, kind)
            elif forms.compounds and forms.may_be_compound(low):
                compound_candidates.append(candidate)

    def _confirm_compounds(
        self, candidates: list[str], search: _Search, add: Callable[[str, str], None]
    ) -> None:
        limit = self._aff.MAXCPDSUGS if self._aff.MAXCPDSUGS is not None else 3
        confirmed = 0
        for candidate in dict.fromkeys(candidates):
            if confirmed >= limit or search.expired():
                return
            if self._good(candidate, compound=True):
                add(candidate, "compound")
                confirmed += 1

    def _ngrams(self, word: str, search: _Search) -> Iterator[str]:
        if self._aff.MAXNGRAMSUGS == 0:
            return

        first = word[:1].lower()

        def words_until_deadline() -> Iterator[Any]:
            # Ending the iteration early makes ngram_suggest rank what it has seen.
            for entry in self._ngram_buckets.get(first, ()):
                if search.out_of_time():
                    return
                yield entry
            if len(search.found) >= NGRAM_FULL_SCAN_BELOW:
                return
            for key, bucket in self._ngram_buckets.items():
                if key == first:
                    continue
                for entry in bucket:
                    if search.out_of_time():
                        return
                    yield entry

        guesses = ngram_suggest.ngram_suggest(
            word.lower(),
            dictionary_words=words_until_deadline(),
            prefixes=self._aff.PFX,
            suffixes=self._aff.SFX,
            known={w.lower() for w in search.found},
            maxdiff=self._aff.MAXDIFF,
            onlymaxdiff=self._aff.ONLYMAXDIFF,
            has_phonetic=self._aff.PHONE is not None,
        )
        count = 0
        for guess in guesses:
            if count >= (self._aff.MAXNGRAMSUGS or 4) or search.expired():
                return
            if self._lookup(guess, capitalization=False, allow_nosuggest=False):
                count += 1
                yield guess

    # -- helpers ----------------------------------------------------------------

    def _candidates(self, word: str) -> Iterator[tuple[str, str | list[str]]]:
        """Hunspell's edits of ``word``, in Hunspell's order of preference."""
        aff = self._aff
        yield "uppercase", aff.casing.upper(word)
        for rep in pmt.replchars(word, aff.REP):
            yield "replchars", rep
        for pair in pmt.twowords(word):
            yield "spaceword", " ".join(pair)
        for text in pmt.mapchars(word, aff.MAP):
            yield "mapchars", text
        yield from (("swapchar", t) for t in pmt.swapchar(word))
        yield from (("longswapchar", t) for t in pmt.longswapchar(word))
        yield from (("badcharkey", t) for t in pmt.badcharkey(word, aff.KEY))
        yield from (("extrachar", t) for t in pmt.extrachar(word))
        yield from (("forgotchar", t) for t in pmt.forgotchar(word, aff.TRY))
        yield from (("movechar", t) for t in pmt.movechar(word))
        yield from (("badchar", t) for t in pmt.badchar(word, aff.TRY))
        yield from (("doubletwochars", t) for t in pmt.doubletwochars(word))
        if not aff.NOSPLITSUGS:
            for pair in pmt.twowords(word):
                yield "twowords", list(pair)

    def _good(self, word: str, *, compound: bool) -> bool:
        if " " in word:
            return all(self._good(part, compound=compound) for part in word.split(" "))
        if compound:
            forms = self._lookup.good_forms(
                word, capitalization=False, allow_nosuggest=False, affix_forms=False
            )
        else:
            forms = self._lookup.good_forms(
                word, capitalization=False, allow_nosuggest=False, compound_forms=False
            )
        return any(forms)

    def _finish(self, text: str, captype: CapType) -> str:
        """Give the suggestion the misspelling's capitalisation; drop forbidden words."""
        aff = self._aff
        keep_case = aff.KEEPCASE and self._dic.has_flag(text, aff.KEEPCASE)
        if not keep_case:
            coerced = aff.casing.coerce(text, captype)
            if not self._forbidden(coerced):
                text = coerced
        if self._forbidden(text):
            return ""
        return str(aff.OCONV(text)) if aff.OCONV else text

    def _forbidden(self, text: str) -> bool:
        flag = self._aff.FORBIDDENWORD
        return bool(flag and self._dic.has_flag(text, flag))
