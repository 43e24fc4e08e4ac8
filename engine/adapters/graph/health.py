"""Graph's line in engine health: sign-in failures and "throttled until ..." as they happen.

The client reports from whatever thread made the request (MIME downloads run
in a small pool), and a store connection belongs to one thread, so each
report opens its own short connection. Reports are rare: only changes of
state are written.
"""

from __future__ import annotations

from pathlib import Path

from engine.adapters.graph.client import HealthSink
from engine.store import Store, health, now_iso

#: The ``engine_health`` row the Graph connector writes.
HEALTH_NAME = "graph"
#: The row naming inbox messages set aside because their MIME cannot be read.
INBOX_HEALTH_NAME = "graph inbox"


def store_health(store_path: Path, name: str = HEALTH_NAME) -> HealthSink:
    """A health sink writing ``(state, detail)`` to the ``engine_health`` row ``name``."""

    def write(state: str, detail: str) -> None:
        store = Store(store_path, migrate=False)
        try:
            health.put(store, name, state, detail, now_iso())
        finally:
            store.close()

    return write
