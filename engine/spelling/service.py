"""The spelling service the consoles hold: checkers per culture, suggestions off-thread.

One :class:`Spelling` per process. Dictionaries are loaded on first use and
kept; two threads asking for the same culture wait for one load. Suggestions
run on the service's own worker thread and come back as a
:class:`SuggestionJob`, which the caller can poll, wait on or cancel, and
which always holds the best suggestions found so far.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from engine.spelling.checker import DictionaryLoadError, SpellChecker
from engine.spelling.cultures import canonical_culture, language_of
from engine.spelling.locate import DictionaryFiles, installed

#: Suggestion time budget when the caller names none (the en-US goal).
DEFAULT_BUDGET_S = 0.15


@dataclass(frozen=True)
class CultureInfo:
    """An installed dictionary as listed to people."""

    culture: str
    language: str
    folder: Path


class SuggestionJob:
    """Suggestions being computed for one word on the service's worker."""

    def __init__(self, word: str) -> None:
        self.word = word
        self.future: Future[list[str]] = Future()
        self._cancel = threading.Event()
        self._best: list[str] = []

    def cancel(self) -> None:
        """Stop the search soon; :meth:`best_so_far` keeps what was found."""
        self._cancel.set()
        self.future.cancel()

    @property
    def cancelled(self) -> bool:
        """Whether :meth:`cancel` was called."""
        return self._cancel.is_set()

    def best_so_far(self) -> list[str]:
        """The suggestions found up to now, best first."""
        return list(self._best)

    def done(self) -> bool:
        """Whether the search has finished (found all, ran out of time or was cancelled)."""
        return self.future.done()

    def result(self, timeout: float | None = None) -> list[str]:
        """Wait for the search (at most ``timeout`` s) and return its suggestions.

        Returns the best so far if it was cancelled or is still running at the timeout.
        """
        try:
            return self.future.result(timeout)
        except Exception:  # cancelled, timed out, or the search failed
            return self.best_so_far()

    def _progress(self, found: list[str]) -> None:
        self._best = found


class Spelling:
    """Dictionaries per culture, loaded lazily from the shipped and site folders."""

    def __init__(self, site_folder: Path | None = None, *, default_culture: str = "en-US") -> None:
        self.site_folder = site_folder
        self.default_culture = default_culture
        self._checkers: dict[str, Future[SpellChecker]] = {}
        self._lock = threading.Lock()
        # Loads and suggestions each get their own thread so a slow load never
        # holds up a suggestion for a culture that is ready.
        self._loader = ThreadPoolExecutor(1, thread_name_prefix="spelling-load")
        self._worker = ThreadPoolExecutor(1, thread_name_prefix="spelling-suggest")

    def close(self) -> None:
        """Stop the worker threads (pending suggestions are cancelled)."""
        self._worker.shutdown(wait=False, cancel_futures=True)
        self._loader.shutdown(wait=False, cancel_futures=True)

    def cultures(self) -> list[CultureInfo]:
        """Installed dictionaries, sorted by culture name."""
        return [
            CultureInfo(name, language_of(name), files.folder)
            for name, files in sorted(installed(self.site_folder).items())
        ]

    def _files(self, culture: str) -> DictionaryFiles:
        name = canonical_culture(culture)
        files = installed(self.site_folder).get(name)
        if files is None:
            raise DictionaryLoadError(f"no dictionary installed for {name}")
        return files

    def preload(self, culture: str) -> Future[SpellChecker]:
        """Start loading ``culture`` (and its suggestion index) in the background.

        Raises:
            UnknownCultureError: The name is not in the culture table.
            DictionaryLoadError: No dictionary is installed for it.
        """
        files = self._files(culture)
        with self._lock:
            future = self._checkers.get(files.culture)
            if future is None or (future.done() and future.exception() is not None):
                future = self._loader.submit(self._load, files)
                self._checkers[files.culture] = future
        return future

    @staticmethod
    def _load(files: DictionaryFiles) -> SpellChecker:
        checker = SpellChecker.load(files)
        checker.prepare_suggestions()
        return checker

    def checker(self, culture: str | None = None) -> SpellChecker:
        """The checker for ``culture`` (default: the service's), loading it if needed (blocks)."""
        return self.preload(culture or self.default_culture).result()

    def suggest(
        self,
        word: str,
        culture: str | None = None,
        *,
        budget_s: float = DEFAULT_BUDGET_S,
        on_done: Callable[[SuggestionJob], None] | None = None,
    ) -> SuggestionJob:
        """Start finding suggestions for ``word`` on the worker thread; returns at once.

        Args:
            word: The misspelling.
            culture: Which dictionary (default: the service's).
            budget_s: Time allowed for the search (loading time not included).
            on_done: Called on the worker thread when the job ends; a Textual
                app passes a function that posts a message.
        """
        job = SuggestionJob(word)
        loading = self.preload(culture or self.default_culture)

        def run() -> list[str]:
            if job.cancelled:
                return []
            checker = loading.result()
            return checker.suggest(
                word, budget_s, cancelled=lambda: job.cancelled, progress=job._progress
            )

        def finished(inner: Future[list[str]]) -> None:
            if inner.cancelled():
                job.future.cancel()
            elif (error := inner.exception()) is not None:
                job.future.set_exception(error)
            elif not job.future.cancelled():
                job._progress(inner.result())
                job.future.set_result(inner.result())
            if on_done is not None:
                on_done(job)

        job.future.set_running_or_notify_cancel()
        self._worker.submit(run).add_done_callback(finished)
        return job
