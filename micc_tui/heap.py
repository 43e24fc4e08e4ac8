"""The garbage collector kept from stopping a console for long.

A full collection looks at every object the console holds (Textual's widgets
and caches, the dictionaries, the queues): about a hundred thousand objects
once a console has started, 60-100 ms of the UI thread each time, and
preparing a long e-mail makes enough garbage to start one every few keys
(``bench/huge_body.py``). What a console builds while it starts lives as long
as it does, so once it has settled :func:`settle` freezes it (``gc.freeze``):
later collections look only at what came after.
"""

from __future__ import annotations

import gc

#: Seconds after a console mounts when what it built is frozen.
SETTLE_SECONDS = 2.0


def settle() -> None:
    """Collect once, then leave every object alive now out of later collections."""
    gc.collect()
    gc.freeze()
