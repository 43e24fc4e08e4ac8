"""Spell checking with Hunspell dictionaries, one folder per culture name.

The consoles hold one :class:`Spelling` service::

    spelling = Spelling(config.spelling.site_folder, default_culture=config.locale)
    spelling.preload("de-DE")                       # at login, in the background
    checker = spelling.checker("de-DE")             # blocks only while loading
    checker.check_text(reply, ignored)              # -> list[Misspelling]
    job = spelling.suggest("Bestelung", "de-DE", budget_s=0.5)
    job.result()                                    # or job.best_so_far(), job.cancel()
"""

from engine.spelling.checker import DictionaryLoadError, Misspelling, SpellChecker
from engine.spelling.cultures import (
    CULTURES,
    UnknownCultureError,
    canonical_culture,
    language_of,
    nearest_cultures,
)
from engine.spelling.ignore import (
    IgnoreList,
    add_ignored_word,
    ignored_words,
    list_ignored,
    remove_ignored_word,
)
from engine.spelling.install import InstallError, InstallResult, install_dictionary
from engine.spelling.locate import DictionaryFiles, installed, shipped_folder
from engine.spelling.service import CultureInfo, Spelling, SuggestionJob
from engine.spelling.tokenize import Token, tokenize, word_at

__all__ = [
    "CULTURES",
    "CultureInfo",
    "DictionaryFiles",
    "DictionaryLoadError",
    "IgnoreList",
    "InstallError",
    "InstallResult",
    "Misspelling",
    "SpellChecker",
    "Spelling",
    "SuggestionJob",
    "Token",
    "UnknownCultureError",
    "add_ignored_word",
    "canonical_culture",
    "ignored_words",
    "install_dictionary",
    "installed",
    "language_of",
    "list_ignored",
    "nearest_cultures",
    "remove_ignored_word",
    "shipped_folder",
    "tokenize",
    "word_at",
]
