"""The terminal a console draws on, whatever the shell did with standard error.

Textual draws on file descriptor 2 (standard error). ``micc agent 2>err.log``
or ``micc demo 2>file`` would send the whole screen into the file and leave
the terminal blank. :func:`draw_on_terminal` points descriptor 2 at the
terminal on standard output while the console runs, and gives it back after.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator


@contextlib.contextmanager
def draw_on_terminal() -> Iterator[None]:
    """While the block runs, standard error is the terminal of standard output.

    Nothing changes when standard error already is a terminal, or when
    standard output is not one either (there is no screen to draw on).
    """
    try:
        error_fd, output_fd = sys.__stderr__.fileno(), sys.__stdout__.fileno()  # type: ignore[union-attr]
    except (AttributeError, OSError, ValueError):
        yield
        return
    if os.isatty(error_fd) or not os.isatty(output_fd):
        yield
        return
    sys.__stderr__.flush()  # type: ignore[union-attr]
    kept = os.dup(error_fd)
    os.dup2(output_fd, error_fd)
    try:
        yield
    finally:
        with contextlib.suppress(OSError, ValueError):
            sys.__stderr__.flush()  # type: ignore[union-attr]
        os.dup2(kept, error_fd)
        os.close(kept)


__all__ = ["draw_on_terminal"]
