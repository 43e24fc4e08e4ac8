"""FastLookup answers exactly as spylls' own lookup, and types German compounds faster."""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable

import pytest
from spylls.hunspell.algo.lookup import Lookup

from engine.spelling import SpellChecker
from engine.spelling.lookup import FastLookup
from tests import spelling_fixtures as fx

bundles = fx.bundles
site_folder = fx.site_folder
spelling = fx.spelling
en = fx.en
de = fx.de
es = fx.es

TEXT = {
    "de-DE": "Vielen Dank für Ihre Nachricht an unseren Kundendienst. Die Rückerstattung "
    "Ihrer Bestellung, die Lagerverwaltung und die Ersatzlieferung an Ihre "
    "Lieferadresse sind Zahlungsarten-Fragen; Gutschrift folgt. Donaudampfschiff, "
    "Kundendienstmitarbeiterin, Rechnungsnummer, Versandkosten, GROSSBUCHSTABEN.",
    "es-ES": "Gracias por su pedido; dígame, envíenoslo, dámelo y cómpraselo. La devolución "
    "del paquete dañado y el reembolso llegarán mañana a su dirección de entrega.",
    "en-US": "Thank you for your message; we couldn't ship the re-ordered items, so the "
    "replacement will be sent to your delivery address within three working days.",
}


def words_for(checker: SpellChecker, culture: str, extra: int) -> list[str]:
    """Every prefix of the text's words, and random stems glued, cut and shouted."""
    words: set[str] = set()
    for word in re.findall(r"[\w'-]+", TEXT[culture]):
        words.update(word[:i] for i in range(1, len(word) + 1))
    stems = list(checker.dictionary_words())
    rng = random.Random(5)
    for _ in range(extra):
        first, second = rng.choice(stems), rng.choice(stems)
        words.update(
            {
                first,
                first + second.lower(),
                first + "s" + second.lower(),
                first.upper(),
                first[:-1],
                first[1:],
            }
        )
    return sorted(w for w in words if w)


@pytest.mark.parametrize("culture", ["de-DE", "es-ES", "en-US"])
def test_same_answers_as_spylls(
    culture: str, en: SpellChecker, de: SpellChecker, es: SpellChecker
) -> None:
    checker = {"de-DE": de, "es-ES": es, "en-US": en}[culture]
    dictionary = checker._dictionary
    assert isinstance(dictionary.lookuper, FastLookup)  # what the checker really uses
    spylls = Lookup(dictionary.aff, dictionary.dic)
    fast = FastLookup(dictionary.aff, dictionary.dic)
    words = words_for(checker, culture, 250)
    accepted = [w for w in words if spylls(w)]
    assert 0.2 * len(words) < len(accepted) < 0.9 * len(words)  # both kinds are tested
    assert [w for w in words if fast(w)] == accepted
    # The suggester's way of asking: this exact case, no NOSUGGEST words.
    strict = [w for w in words if spylls(w, capitalization=False, allow_nosuggest=False)]
    assert [w for w in words if fast(w, capitalization=False, allow_nosuggest=False)] == strict


def test_german_compounds_and_their_parts(de: SpellChecker) -> None:
    fast = FastLookup(de._dictionary.aff, de._dictionary.dic)
    for word in (
        "Rückerstattung",
        "Lagerverwaltung",
        "Kundendienstmitarbeiterin",
        "Donaudampfschiff",
    ):
        assert fast(word), word
    for word in ("Rückerstattunx", "Lagerverwaltnug"):
        assert not fast(word), word
    assert fast._parts  # compound parts were analysed and remembered


def test_typing_a_german_compound_is_faster_than_spylls(de: SpellChecker) -> None:
    dictionary = de._dictionary
    typed = [
        word[:i]
        for word in (
            "Rückerstattung",
            "Lagerverwaltung",
            "Ersatzlieferung",
            "Kundendienst",
            "Zahlungsart",
            "Gutschrift",
        )
        for i in range(1, len(word) + 1)
    ]

    def typing(make: Callable[[], Lookup]) -> float:
        best = float("inf")
        for _ in range(3):
            lookup = make()
            started = time.perf_counter()
            for word in typed:
                lookup(word)
            best = min(best, time.perf_counter() - started)
        return best

    spylls = typing(lambda: Lookup(dictionary.aff, dictionary.dic))
    fast = typing(lambda: FastLookup(dictionary.aff, dictionary.dic))
    # Measured about 3x; a ratio in one run, so a busy machine slows both.
    assert fast < 0.7 * spylls, (fast, spylls)
