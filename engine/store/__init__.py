"""The SQLite store: archive, queues, outbox, events, sync state and the engine lease."""

from engine.store.db import Store, StoreError, iso_of, now_iso, store_problem

__all__ = ["Store", "StoreError", "iso_of", "now_iso", "store_problem"]
