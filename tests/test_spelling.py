"""Spell checking with real dictionaries: shipped en-US, de-DE and es-ES from .oxt bundles."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from engine.spelling import (
    CULTURES,
    IgnoreList,
    SpellChecker,
    Spelling,
    UnknownCultureError,
    add_ignored_word,
    canonical_culture,
    ignored_words,
    list_ignored,
    nearest_cultures,
    remove_ignored_word,
    shipped_folder,
    tokenize,
    word_at,
)
from engine.spelling.cultures import CULTURE_ROWS
from engine.store import Store
from tests import spelling_fixtures as fx

bundles = fx.bundles
de = fx.de
en = fx.en
es = fx.es
site_folder = fx.site_folder
spelling = fx.spelling


# Suggestion tests get a generous budget: they check what is found, never how fast.
ROOMY = 30.0


# -- the culture table -------------------------------------------------------------


def test_culture_table_holds_every_row_of_the_guide() -> None:
    # 137 rows; the guide lists ar-YE twice.
    assert len(CULTURE_ROWS) == 137
    assert len(CULTURES) == 136
    assert CULTURES["Cy-az-AZ"] == "Azeri (Cyrillic) - Azerbaijan"
    assert CULTURES["zh-CHS"] == "Chinese (Simplified)"
    assert CULTURES["div-MV"] == "Dhivehi - Maldives"
    assert CULTURES["nb-NO"] == "Norwegian (Bokmål) - Norway"
    assert CULTURES["Lt-uz-UZ"] == "Uzbek (Latin) - Uzbekistan"


def test_culture_names_forgive_case_and_underscores() -> None:
    assert canonical_culture("en_us") == "en-US"
    assert canonical_culture("cy-AZ-az") == "Cy-az-AZ"
    assert canonical_culture("ZH-chs") == "zh-CHS"


def test_unknown_culture_is_refused_with_the_nearest_names() -> None:
    with pytest.raises(UnknownCultureError) as caught:
        canonical_culture("de-DX")
    assert caught.value.nearest[0] == "de-DE"
    assert "de-DE" in str(caught.value)
    assert nearest_cultures("german")[:3] == ["de-AT", "de-DE", "de-LI"]
    assert "zh-CHS" in nearest_cultures("zh-CHX")


def test_shipped_english_is_found_with_its_licence() -> None:
    folder = shipped_folder() / "en-US"
    assert (folder / "Dictionary.dic").is_file()
    assert (folder / "Grammar.aff").is_file()
    assert "Kevin Atkinson" in (folder / "COPYING").read_text()


# -- the tokenizer -----------------------------------------------------------------


def words(text: str) -> list[str]:
    return [t.word for t in tokenize(text)]


def test_tokenizer_skips_identifiers_urls_addresses_digits_and_quotes() -> None:
    text = (
        "Dear $From.Name$, see https://shop.example.com/orders?id=7 or www.example.org\n"
        "Write to anna.lindqvist+orders@example.co.uk about ORD-20931 from 3rd May.\n"
        "> Quoted custmer text is not checked\n"
        "   >> nor deeper quotes\n"
        "Regards $Agent.FirstName$"
    )
    assert words(text) == ["Dear", "see", "or", "Write", "to", "about", "from", "May", "Regards"]


def test_tokenizer_keeps_apostrophes_and_hyphens_inside_words() -> None:
    assert words("It's a well-known e-mail, 'quoted' rock’n’roll -dash- it's.") == [
        "It's",
        "a",
        "well-known",
        "e-mail",
        "quoted",
        "rock’n’roll",
        "dash",
        "it's",
    ]


def test_tokens_carry_line_column_and_offset() -> None:
    text = "First line\n  Sekond wörd"
    tokens = list(tokenize(text))
    assert [(t.word, t.line, t.column) for t in tokens] == [
        ("First", 1, 1),
        ("line", 1, 7),
        ("Sekond", 2, 3),
        ("wörd", 2, 10),
    ]
    for token in tokens:
        assert text[token.offset : token.offset + len(token.word)] == token.word


def test_word_at_finds_the_word_being_typed() -> None:
    text = "Hello there\nwe recei"
    token = word_at(text, len(text))
    assert token is not None
    assert (token.word, token.line, token.column) == ("recei", 2, 4)
    assert word_at("see $Subject$ here", 7) is None


# -- English (shipped) -------------------------------------------------------------


def test_english_checks_a_reply(en: SpellChecker) -> None:
    reply = (
        "Dear $From.Name$,\n\nThank you for your mesage. We've recieved your\n"
        "order and it’s on it's way.\n> Custmer wrote this\n"
    )
    found = en.check_text(reply)
    assert [(m.word, m.line, m.column) for m in found] == [("mesage", 3, 20), ("recieved", 3, 34)]


def test_english_suggestions(en: SpellChecker) -> None:
    assert en.suggest("recieved", ROOMY)[0] == "received"
    assert en.suggest("Tommorow", ROOMY)[0] == "Tomorrow"  # keeps the capital
    assert "necessary" in en.suggest("neccessary", ROOMY)[:3]


def test_a_suggestion_asked_right_after_loading_waits_for_the_form_index() -> None:
    # A fresh checker: its form index is still being built (about a second).
    # The wait is not taken from the search's budget, so the agent's first F7
    # after logging in still gets suggestions, not "(no suggestions)".
    fresh = Spelling(None).checker("en-US")
    assert not fresh.suggestions_ready()
    assert "received" in fresh.suggest("recieved", 0.2)


# -- German compounds ---------------------------------------------------------------


def test_german_accepts_compounds_and_refuses_wrong_ones(de: SpellChecker) -> None:
    for word in (
        "Kundendienstmitarbeiterin",
        "Rechnungsnummer",
        "Haustürschlüssel",
        "Lieferadressenänderung",
        "freundlichen",
        "Grüße",
    ):
        assert de.check_word(word), word
    for word in ("Kundendienstmitarbeiterinn", "Rechnungnummer", "Bestelung"):
        assert not de.check_word(word), word


def test_german_suggestions_include_compounds(de: SpellChecker) -> None:
    assert de.suggest("Rechnungsnumer", ROOMY)[0] == "Rechnungsnummer"
    assert de.suggest("Bestelung", ROOMY)[0] == "Bestellung"
    assert "Kundendienstmitarbeiterin" in de.suggest("Kundendienstmitarbeiterinn", ROOMY)
    assert de.suggest("Grüsse", ROOMY)[0] == "Grüße"


def test_german_text(de: SpellChecker) -> None:
    text = "Sehr geehrte Frau Müller,\nIhre Bestelung ist unterwegs.\nMit freundlichen Grüßen"
    assert [m.word for m in de.check_text(text)] == ["Bestelung"]


# -- Spanish clitics ----------------------------------------------------------------


def test_spanish_accepts_clitics(es: SpellChecker) -> None:
    for word in ("dámelo", "dígaselo", "enviárselo", "envíenoslo", "hablarte"):
        assert es.check_word(word), word
    assert not es.check_word("dámelox")
    assert "dámelo" in es.suggest("dámelox", ROOMY)


def test_spanish_suggestions_restore_accents(es: SpellChecker) -> None:
    assert es.suggest("devolucion", ROOMY)[0] == "devolución"
    assert "teléfono" in es.suggest("telefono", ROOMY)[:3]


# -- the service --------------------------------------------------------------------


def test_service_lists_and_loads_each_culture_once(spelling: Spelling) -> None:
    assert [c.culture for c in spelling.cultures()] == ["de-DE", "en-US", "es-ES"]
    assert spelling.cultures()[0].language == "German - Germany"
    seen: list[SpellChecker] = []
    threads = [
        threading.Thread(target=lambda: seen.append(spelling.checker("de_DE"))) for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(c) for c in seen}) == 1


def test_service_refuses_unknown_and_missing_cultures(spelling: Spelling) -> None:
    with pytest.raises(UnknownCultureError):
        spelling.checker("xx-YY")
    with pytest.raises(Exception, match="no dictionary installed for fr-FR"):
        spelling.checker("fr-FR")


def test_suggestions_run_on_the_worker_and_report_back(spelling: Spelling) -> None:
    caller = threading.get_ident()
    ran_on: list[int] = []
    job = spelling.suggest(
        "Lieferadrese",
        "de-DE",
        budget_s=ROOMY,
        on_done=lambda j: ran_on.append(threading.get_ident()),
    )
    assert job.result(timeout=120)[0] == "Lieferadresse"
    assert job.best_so_far()[0] == "Lieferadresse"
    assert ran_on and ran_on[0] != caller


def test_cancelled_suggestion_ends_with_what_it_has(spelling: Spelling) -> None:
    # No one-step edit helps here, so the search would scan every n-gram root.
    job = spelling.suggest("qxvbnmzzkw", "es-ES", budget_s=600.0)
    job.cancel()
    assert isinstance(job.result(timeout=120), list)
    assert job.done()


def test_spent_budget_or_cancel_stops_the_search(en: SpellChecker) -> None:
    # A budget already spent, or a cancel before the start: the search stops at
    # its first look at the clock, with nothing found yet.
    assert en.suggest("recieved", 0.0) == []
    assert en.suggest("recieved", ROOMY, cancelled=lambda: True) == []


# -- ignore lists in the store ------------------------------------------------------


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "micc.db")


def test_ignore_lists_for_agent_and_group(store: Store, en: SpellChecker) -> None:
    assert add_ignored_word(store, scope="agent", owner="jberg", culture="en-US", word="Soliduz")
    assert not add_ignored_word(
        store, scope="agent", owner="jberg", culture="en_us", word="Soliduz"
    )
    add_ignored_word(store, scope="group", owner="Sales", culture="en-US", word="seclab")
    add_ignored_word(store, scope="group", owner="Support", culture="en-US", word="zendex")
    add_ignored_word(store, scope="agent", owner="jberg", culture="de-DE", word="Seclabs")

    text = "Soliduz from Seclab and SECLAB, zendex, soliduz"
    assert [m.word for m in en.check_text(text)] == [
        "Soliduz",
        "Seclab",
        "SECLAB",
        "zendex",
        "soliduz",
    ]
    ignored = ignored_words(store, "en-US", agent_id="jberg", groups=["Sales"])
    assert set(ignored) == {"Soliduz", "seclab"}
    # Lower-case entries cover capitals; capitalised ones do not cover lower case.
    assert [m.word for m in en.check_text(text, ignored)] == ["zendex", "soliduz"]

    assert remove_ignored_word(store, scope="agent", owner="jberg", culture="en-US", word="Soliduz")
    assert "Soliduz" not in ignored_words(store, "en-US", agent_id="jberg")
    assert [r["word"] for r in list_ignored(store, scope="group")] == ["seclab", "zendex"]


def test_ignore_list_rejects_bad_entries(store: Store) -> None:
    with pytest.raises(ValueError):
        add_ignored_word(store, scope="agent", owner="jberg", culture="en-US", word="two words")
    with pytest.raises(UnknownCultureError):
        add_ignored_word(store, scope="group", owner="Sales", culture="english", word="x")
    assert "x" not in IgnoreList()
