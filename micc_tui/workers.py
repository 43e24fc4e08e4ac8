"""Worker failures reach a person: one message, one handler per App.

Textual tells only the node that started a worker how it ended
(``Worker.StateChanged`` does not bubble), so a failure in a tab or in the
composer went unseen, and the screen stayed as the work had left it. Here:

- every screen or widget that runs workers mixes in
  :class:`ReportsWorkerFailures`: when one of its workers raises, it posts
  :class:`WorkerFailed` to the App, then puts itself right in
  :meth:`~ReportsWorkerFailures.worker_failed` (the composer leaves
  "Sending…", a tab reloads);
- every App mixes in :class:`ShowsWorkerFailures`, the one place a failure
  becomes a notification: a :class:`~engine.errors.MiccError` with its title
  and its words, anything else as "Something went wrong" with the
  exception's words, never a traceback.

So a worker does not catch errors to show them: it lets them go.
"""

from __future__ import annotations

import time
from typing import Any, cast

from textual.app import App
from textual.dom import DOMNode
from textual.message import Message
from textual.worker import Worker, WorkerState

from engine.errors import MiccError
from micc_tui.widgets.safe import inert

#: Heads the notification for an error nobody raised on purpose.
UNEXPECTED = "Something went wrong"
#: Seconds a failure's notification stays; the same words are not shown again meanwhile.
FAILURE_SECONDS = 8.0


class WorkerFailed(Message):
    """A worker raised; posted to the App by the node that ran it.

    (Not Textual's ``textual.worker.WorkerFailed`` exception, which ends the
    app: our workers run with ``exit_on_error=False``.)

    Attributes:
        worker: the worker that failed (its ``node`` started it).
        error: what it raised.
    """

    def __init__(self, worker: Worker[Any], error: BaseException) -> None:
        self.worker = worker
        self.error = error
        super().__init__()


def in_words(error: BaseException) -> tuple[str, str]:
    """A notification's title and text for ``error``.

    Returns:
        ``(title, text)``: a :class:`MiccError`'s own title and words; for any
        other error :data:`UNEXPECTED` and the exception's words (a file
        error names the file).
    """
    if isinstance(error, MiccError):
        return error.title, str(error) or error.title
    if isinstance(error, OSError) and error.strerror and error.filename is not None:
        return UNEXPECTED, f"{error.strerror}: {error.filename}"
    return UNEXPECTED, str(error) or type(error).__name__


class ReportsWorkerFailures:
    """Mix into a screen or widget (after its Textual base) that runs workers.

    Textual calls this class's handler besides any ``on_worker_state_changed``
    of the class it is mixed into (handlers run along the MRO), so a subclass
    handling its successes keeps the failures reported.
    """

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A worker of this node raised: tell the App, then put this node right."""
        if event.state is not WorkerState.ERROR:
            return
        worker = event.worker
        # Textual sets the error just after the state, before this message is handled.
        error = worker.error or RuntimeError(f"{worker.name} stopped")
        cast(DOMNode, self).app.post_message(WorkerFailed(worker, error))
        self.worker_failed(worker, error)

    def worker_failed(self, worker: Worker[Any], error: BaseException) -> None:
        """Give the screen its state back after ``worker`` raised ``error`` (UI thread).

        The App shows the error; override this to undo what the work left
        half done (a "Sending…" line, a row that is gone). The default does
        nothing.
        """


class ShowsWorkerFailures(ReportsWorkerFailures):
    """Mix into every App (after ``App``): each worker failure becomes one notification."""

    _last_failure: tuple[str, str, float] | None = None

    def on_worker_failed(self, message: WorkerFailed) -> None:
        """Show the failure in words; the same words still on screen are not repeated."""
        title, text = in_words(message.error)
        now = time.monotonic()
        last = self._last_failure
        if last is not None and last[:2] == (title, text) and now - last[2] < FAILURE_SECONDS:
            return
        self._last_failure = (title, text, now)
        cast(App[Any], self).notify(
            inert(text, multiline=True),
            title=title,
            severity="error",
            markup=False,
            timeout=FAILURE_SECONDS,
        )


__all__ = [
    "FAILURE_SECONDS",
    "UNEXPECTED",
    "ReportsWorkerFailures",
    "ShowsWorkerFailures",
    "WorkerFailed",
    "in_words",
]
