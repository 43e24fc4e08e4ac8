"""A service group's response file, kept current while the consoles run.

Administrators edit response files while agents work. Each access checks the
file's size, modification time and inode (one ``stat``, microseconds) and
re-reads it only when one of them changed, so an edit shows up on the agents'
next look without a restart.

A broken edit must not take the responses away from agents in the middle of
their shift: when the new version has errors, the last good tree stays in
use and :attr:`ResponseLibrary.problems` says what is wrong with the file.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path

from engine.config.model import ServiceGroupConfig
from engine.responses.model import (
    Node,
    Response,
    ResponseFileError,
    ResponseProblem,
    ResponseTree,
)
from engine.responses.parse import parse_bytes

#: What identifies one version of a file on disk.
_Stamp = tuple[int, int, int]


def _stamp(path: Path) -> _Stamp:
    st = os.stat(path)
    return (st.st_mtime_ns, st.st_size, st.st_ino)


class ResponseLibrary:
    """The responses of one file, re-read when the file changes; safe to share between threads.

    Args:
        path: The response file.
        group: The service group's name, for messages.
    """

    def __init__(self, path: Path, *, group: str | None = None) -> None:
        self.path = Path(path)
        self.group = group
        self._lock = threading.Lock()
        self._stamp: _Stamp | None = None
        self._tree: ResponseTree | None = None
        self._problems: tuple[ResponseProblem, ...] = ()
        self._generation = 0

    @classmethod
    def for_group(cls, group: ServiceGroupConfig) -> ResponseLibrary | None:
        """The library of a service group, or ``None`` when it has no response file."""
        if group.responses is None:
            return None
        return cls(group.responses, group=group.name)

    def tree(self) -> ResponseTree:
        """The current responses, re-reading the file first if it changed.

        Returns:
            The newest version of the file without errors.

        Raises:
            ResponseFileError: No version of the file has been usable yet
                (missing, unreadable, not UTF-8, or with errors).
        """
        with self._lock:
            self._refresh()
            if self._tree is None:
                raise ResponseFileError(self._problems)
            return self._tree

    @property
    def problems(self) -> tuple[ResponseProblem, ...]:
        """Errors and warnings of the file as it is on disk now (empty when all is well)."""
        with self._lock:
            self._refresh()
            return self._problems

    @property
    def generation(self) -> int:
        """Goes up by one each time a new version of the file is taken into use.

        A console compares it with the value it last drew to know when to
        redraw its response tree.
        """
        with self._lock:
            self._refresh()
            return self._generation

    def find(self, path: Sequence[str]) -> Node | None:
        """The category or response at ``path`` in the current tree."""
        return self.tree().find(path)

    def shortcut(self, word: str) -> Response | None:
        """The response for ``::word`` in the current tree."""
        return self.tree().shortcut(word)

    def _refresh(self) -> None:
        """Re-read the file if it changed since the last read. Call with the lock held."""
        try:
            before = _stamp(self.path)
            if before == self._stamp:
                return
            data = self.path.read_bytes()
            after = _stamp(self.path)
        except OSError as exc:
            self._stamp = None
            self._problems = (
                ResponseProblem(
                    self.path,
                    0,
                    f"cannot read the response file: {exc.strerror or type(exc).__name__}",
                    "check the 'responses' path of the service group"
                    + (f" '{self.group}'" if self.group else ""),
                ),
            )
            return
        if before != after:
            # Caught while being written: keep what we have and leave the stamp
            # unset, so the next access reads the finished file.
            self._stamp = None
            return
        self._stamp = before
        result = parse_bytes(data, self.path)
        self._problems = result.problems
        if result.ok and result.tree != self._tree:
            self._tree = result.tree
            self._generation += 1
