"""The composer's draft kept in the store while the agent writes.

A dropped SSH connection (SIGHUP) or a killed console loses at most the last
few seconds of typing: once the e-mail changes, what the agent has written
is saved :data:`SAVE_SECONDS` later, and again every :data:`SAVE_SECONDS`
while they keep typing (:mod:`engine.saved_drafts`). Opening the same
conversation's reply, reply-all or forward again, here or in a console
started later, brings it back and says from when; Ctrl+N (twice) starts over
from the e-mail as it first opened. Sending, or discarding with Escape,
removes it.

:class:`KeepsDraft` is mixed into the composer screen. The screen reads its
widgets on the UI thread (``_current``); workers get the draft as an
argument. One lock orders the saving workers and the send, so a save that
was under way when the e-mail was sent cannot bring the draft back.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast

from textual import work
from textual.screen import Screen
from textual.timer import Timer
from textual.worker import Worker

from engine import dates
from engine.drafts import Draft
from engine.service import ContactCenter, RestoredDraft
from micc_tui.agent.spell_area import SpellTextArea
from micc_tui.workers import ReportsWorkerFailures

#: Seconds from a change to its save (and between saves while typing goes on).
SAVE_SECONDS = 3.0
#: What the status line says while a start over waits for its second Ctrl+N.
START_OVER_ASKED = "Press Ctrl+N again to start over: your text here is dropped."
#: What the status line says once the e-mail is no longer the agent's to keep.
NOT_KEPT = "No longer kept as a draft: the e-mail is not yours any more"


class KeepsDraft(ReportsWorkerFailures):
    """The composer's half that keeps its draft (mix into the composer, after its Screen).

    The screen provides ``center``, ``draft``, ``culture``, ``_current()``,
    ``_status()`` and ``_show_draft()``, and calls :meth:`start_keeping` in
    its constructor, :meth:`keeping_mounted` when mounted and
    :meth:`draft_changed` on every edit.
    """

    center: ContactCenter
    draft: Draft
    culture: str

    # -- what the screen provides --------------------------------------------------

    def _current(self) -> Draft:
        raise NotImplementedError

    def _status(self, notice: str = "") -> None:
        raise NotImplementedError

    def _show_draft(self, draft: Draft) -> None:
        raise NotImplementedError

    # -- set up ---------------------------------------------------------------------

    def start_keeping(self, fresh: Draft, restored: RestoredDraft | None) -> None:
        """Remember the e-mail as it first opened and the draft restored over it, if any."""
        self._fresh = fresh
        self._restored = restored
        self._save_timer: Timer | None = None
        #: The e-mail as last saved (or as it opened): saved again only when it differs.
        self._saved: Draft | None = None
        self._keep_lock = threading.Lock()
        #: Sent or discarded: never saved again.
        self._keep_closed = False
        #: Saves are numbered; an older one never overwrites a newer one, or a start over.
        self._save_number = 0
        self._written_number = 0
        self._start_over_armed = False
        self._draft_notice = ""
        if restored is not None:
            notice = "Draft restored from " + dates.when(restored.saved_at)
            if restored.not_attached:
                notice += " · not attached again: " + "; ".join(restored.not_attached)
            self._draft_notice = notice + " · Ctrl+N twice starts over"

    def keeping_mounted(self) -> None:
        """The widgets hold the e-mail: that is what is saved already; the cursor as it was."""
        self._saved = self._current()
        if self._restored is not None:
            body = self._body()
            row = min(self._restored.cursor[0], body.document.line_count - 1)
            column = min(self._restored.cursor[1], len(body.document[row]))
            body.move_cursor((row, column))

    def keeping_notice(self) -> str:
        """What the status line says about the draft ('' for nothing)."""
        return self._draft_notice

    @property
    def _screen(self) -> Screen[Any]:
        return cast("Screen[Any]", self)

    def _body(self) -> SpellTextArea:
        return self._screen.query_one("#composer-body", SpellTextArea)

    # -- saving ---------------------------------------------------------------------

    def draft_changed(self) -> None:
        """The agent edited the e-mail: save it soon (not once per key)."""
        self._start_over_armed = False
        if self._draft_notice == START_OVER_ASKED:
            self._draft_notice = ""
        if self._save_timer is None and not self._keep_closed:
            self._save_timer = self._screen.set_timer(SAVE_SECONDS, self._save_due)

    def _save_due(self) -> None:
        self._save_timer = None
        draft = self._current()
        if self._keep_closed or draft == self._saved:
            return
        self._save_number += 1
        self.keep_draft(draft, self._body().cursor_location, self._save_number)

    @work(thread=True, group="keep-draft", exit_on_error=False, description="keep_draft")
    def keep_draft(self, draft: Draft, cursor: tuple[int, int], number: int) -> None:
        """Save ``draft`` (save ``number``) unless the e-mail was sent or a newer one saved."""
        kept = self._keep(draft, cursor, number)
        if kept is not None:
            self._screen.app.call_from_thread(self._draft_saved, draft, kept)

    def _keep(self, draft: Draft, cursor: tuple[int, int], number: int) -> bool | None:
        """Save under the lock (any thread); None when this save is no longer wanted."""
        with self._keep_lock:
            if self._keep_closed or number <= self._written_number:
                return None
            self._written_number = number
            return self.center.keep_draft(draft, cursor)

    def _draft_saved(self, draft: Draft, kept: bool) -> None:
        self._saved = draft
        if self._start_over_armed:
            return  # the question stays on the status line
        # "Draft restored from..." stays until the agent's own words are saved.
        notice = "" if kept else NOT_KEPT
        if notice != self._draft_notice:
            self._draft_notice = notice
            self._status()

    async def keep_now(self) -> None:
        """Save what is written at once (the console is closing); never stops the closing."""
        if self._save_timer is not None:
            self._save_timer.stop()
            self._save_timer = None
        draft = self._current()
        if self._keep_closed or draft == self._saved:
            return
        self._save_number += 1
        try:
            await asyncio.to_thread(
                self._keep, draft, self._body().cursor_location, self._save_number
            )
        except Exception:  # leaving must not fail for want of a save
            return

    def keeping_failed(self, worker: Worker[Any]) -> None:
        """A save failed (the app said why): try again at the next pause."""
        if worker.group == "keep-draft":
            self._saved = None
            self.draft_changed()
        elif worker.group == "discard-draft":
            self._screen.dismiss(None)  # the agent discarded it: close all the same

    @contextmanager
    def handing_over(self) -> Iterator[None]:
        """Hold saves off while the e-mail is sent; once it is, it is never saved again."""
        with self._keep_lock:
            yield
            self._keep_closed = True

    # -- starting over and discarding -----------------------------------------------

    def action_start_over(self) -> None:
        """Ctrl+N twice: the e-mail as it first opened; the saved draft is dropped."""
        if not self._start_over_armed:
            self._start_over_armed = True
            self._draft_notice = START_OVER_ASKED
            self._status()
            return
        self._start_over_armed = False
        self._draft_notice = ""
        self._restored = None
        self.culture = self._fresh.locale
        self._show_draft(self._fresh)
        self._saved = self._current()
        self._save_number += 1
        self.forget_draft(self._save_number)
        self._status("Started over.")

    @work(thread=True, group="forget-draft", exit_on_error=False, description="forget_draft")
    def forget_draft(self, number: int) -> None:
        """Drop the saved draft (saves numbered before ``number`` are not written after it)."""
        with self._keep_lock:
            self._written_number = max(self._written_number, number)
            self.center.forget_draft(self._fresh)

    def discard_draft(self) -> None:
        """Close without sending; the saved draft goes too."""
        if self._save_timer is not None:
            self._save_timer.stop()
            self._save_timer = None
        self.discard(self.draft)

    @work(thread=True, group="discard-draft", exit_on_error=False, description="discard")
    def discard(self, draft: Draft) -> None:
        """Drop the saved draft for good, then close the composer."""
        with self._keep_lock:
            self._keep_closed = True
            self.center.forget_draft(draft)
        screen = self._screen
        screen.app.call_from_thread(screen.dismiss, None)


__all__ = ["NOT_KEPT", "SAVE_SECONDS", "START_OVER_ASKED", "KeepsDraft"]
