"""One culture's spell checker: cached word checks, text checks, budgeted suggestions.

spylls is the engine: pure Python, always available, and in agreement with C
Hunspell on compounds, clitics and elisions; its lookup is replaced by
:class:`~engine.spelling.lookup.FastLookup` (same answers, German compounds
several times faster). Checks are cached because a reply
repeats its words and a console re-checks on every pause. Suggestions use
:class:`~engine.spelling.suggest.FastSuggester`, whose form index is built
once per dictionary (0.3 s en-US, 1.6 s de-DE, 2.5 s es-ES), in a background
thread started by :meth:`SpellChecker.prepare_suggestions`.
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from typing import Any

from spylls.hunspell import Dictionary, readers
from spylls.hunspell.readers.file_reader import FileReader

from engine.errors import MiccError
from engine.spelling.forms import FormIndex, build_form_index
from engine.spelling.locate import DictionaryFiles
from engine.spelling.lookup import speed_up
from engine.spelling.suggest import Cancelled, FastSuggester
from engine.spelling.tokenize import tokenize

#: Checked words remembered per culture; past this the cache starts afresh.
CACHE_LIMIT = 50_000
_APOSTROPHES = str.maketrans({"’": "'"})

#: Longest a suggestion waits for the form index being built after loading.
INDEX_WAIT_S = 10.0


def _freeze() -> None:
    # A dictionary is millions of objects that live as long as the process.
    # Moving them out of the collector's reach spares every later full
    # collection from walking them: measured, one such walk cost ~100 ms in
    # the middle of typing.
    gc.freeze()


class DictionaryLoadError(MiccError):
    """A dictionary's files are missing or cannot be read."""


@dataclass(frozen=True)
class Misspelling:
    """A word the dictionary does not know: 1-based line and column, 0-based offset."""

    word: str
    line: int
    column: int
    offset: int


def load_dictionary(files: DictionaryFiles) -> Any:
    """Read ``Dictionary.dic`` and ``Grammar.aff`` with spylls.

    spylls' ``from_files`` wants both files to share a base name; the guide's
    layout names them differently, so the readers are called directly.

    Raises:
        DictionaryLoadError: A file is missing or unreadable.
    """
    if not files.complete():
        raise DictionaryLoadError(f"{files.folder}: needs {files.dic.name} and {files.aff.name}")
    try:
        aff, context = readers.read_aff(FileReader(str(files.aff)))
        dic = readers.read_dic(
            FileReader(str(files.dic), encoding=context.encoding), aff=aff, context=context
        )
    except (OSError, UnicodeError, ValueError, LookupError) as exc:
        raise DictionaryLoadError(f"{files.folder}: cannot read the dictionary: {exc}") from exc
    dictionary = Dictionary(aff, dic)
    speed_up(dictionary)
    return dictionary


class SpellChecker:
    """Spell checking for one culture. Safe to share between threads."""

    def __init__(self, culture: str, dictionary: Any) -> None:
        self.culture = culture
        self._dictionary = dictionary
        self._cache: dict[str, bool] = {}
        self._forms: FormIndex | None = None
        self._suggester: FastSuggester | None = None
        self._forms_ready = threading.Event()
        self._forms_lock = threading.Lock()
        self._forms_started = False

    @classmethod
    def load(cls, files: DictionaryFiles) -> SpellChecker:
        """Load the checker for one culture folder (0.5-1.5 s; do it off the UI thread)."""
        checker = cls(files.culture, load_dictionary(files))
        _freeze()
        return checker

    @property
    def word_count(self) -> int:
        """Entries in the ``.dic`` file."""
        return len(self._dictionary.dic.words)

    def dictionary_words(self) -> Iterable[str]:
        """The ``.dic`` entries' stems, in file order."""
        return (word.stem for word in self._dictionary.dic.words)

    # -- checking --------------------------------------------------------------

    def check_word(self, word: str) -> bool:
        """Whether the dictionary accepts ``word`` (cached)."""
        known = self._cache.get(word)
        if known is None:
            known = self._lookup(word)
            if len(self._cache) >= CACHE_LIMIT:
                self._cache.clear()
            self._cache[word] = known
        return known

    def clear_cache(self) -> None:
        """Forget checked words (after an ignore list or the dictionary changed)."""
        self._cache.clear()

    def _lookup(self, word: str) -> bool:
        lookup = self._dictionary.lookup
        if lookup(word):
            return True
        # Dictionaries without ICONV still expect the typewriter apostrophe.
        plain = word.translate(_APOSTROPHES)
        return plain != word and bool(lookup(plain))

    def check_text(self, text: str, ignored: Collection[str] | None = None) -> list[Misspelling]:
        """Misspelled words of ``text`` in order, skipping what the tokenizer skips.

        Args:
            text: The reply being written (plain text).
            ignored: Words to accept anyway (an :class:`~engine.spelling.ignore.IgnoreList`
                or any collection of words).
        """
        found = []
        for token in tokenize(text):
            if not self._accepted(token.word, ignored):
                found.append(Misspelling(token.word, token.line, token.column, token.offset))
        return found

    def _accepted(self, word: str, ignored: Collection[str] | None) -> bool:
        if self.check_word(word):
            return True
        if not ignored:
            return False
        if word in ignored:
            return True
        # Like Hunspell's BREAK on "-": "Soliduz-Team" passes if every part does.
        parts = word.split("-")
        return len(parts) > 1 and all(p in ignored or self.check_word(p) for p in parts)

    # -- suggesting ------------------------------------------------------------

    def prepare_suggestions(self) -> None:
        """Start building the form index in a background thread, if not started yet."""
        with self._forms_lock:
            if self._forms_started:
                return
            self._forms_started = True
        threading.Thread(
            target=self._build_forms, name=f"spelling-forms-{self.culture}", daemon=True
        ).start()

    def _build_forms(self) -> None:
        try:
            dictionary = self._dictionary
            self._forms = build_form_index(dictionary.aff, dictionary.dic)
            self._suggester = FastSuggester(dictionary, self._forms)
            _freeze()
        finally:
            self._forms_ready.set()

    def suggestions_ready(self, timeout: float | None = 0.0) -> bool:
        """Whether the form index is built, so suggestions start at once.

        Args:
            timeout: Seconds to wait for it (None: until built); 0 just looks.
        """
        if timeout != 0.0:
            self.prepare_suggestions()
            self._forms_ready.wait(timeout)
        return self._suggester is not None

    def suggest(
        self,
        word: str,
        budget_s: float = 0.15,
        *,
        cancelled: Cancelled = lambda: False,
        progress: Callable[[list[str]], None] | None = None,
    ) -> list[str]:
        """Suggestions for ``word``, best first, within ``budget_s`` seconds (blocking).

        Call from a worker thread (see :class:`~engine.spelling.service.Spelling`).
        The form index is built in the background after loading; a call made
        before it is ready first waits for it (at most ``INDEX_WAIT_S``), then
        searches for ``budget_s``: right after start, on a busy machine, an
        agent waits a little longer rather than getting no suggestions at all.

        Args:
            word: The misspelling.
            budget_s: Time allowed; the best suggestions found by then are returned.
            cancelled: Polled during the search; True stops it.
            progress: Called with the suggestions so far whenever more are found.
        """
        self.prepare_suggestions()
        self._forms_ready.wait(INDEX_WAIT_S)
        deadline = time.monotonic() + budget_s
        suggester = self._suggester
        if suggester is None:
            return []
        return suggester.suggest(word, deadline, cancelled, progress)
