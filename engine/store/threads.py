"""One store connection per thread, for facades used from UI workers."""

from __future__ import annotations

import threading
from collections.abc import Callable

from engine.store.db import Store


class ThreadStores:
    """Opens a :class:`Store` for each thread on first use and closes them all together.

    SQLite connections must not be shared between threads; the consoles call
    their facade from many worker threads.
    """

    def __init__(self, open_store: Callable[[], Store]) -> None:
        self._open = open_store
        self._local = threading.local()
        self._stores: list[Store] = []
        self._lock = threading.Lock()

    def get(self) -> Store:
        """This thread's store."""
        store: Store | None = getattr(self._local, "store", None)
        if store is None:
            store = self._open()
            self._local.store = store
            with self._lock:
                self._stores.append(store)
        return store

    def close(self) -> None:
        """Close every store opened so far (call once, at exit)."""
        with self._lock:
            stores, self._stores = self._stores, []
        for store in stores:
            store.close()
