"""The composition root: builds the engine's parts from a config, nothing at import time."""

from __future__ import annotations

from engine.access import sync_activation
from engine.config import Config
from engine.store import Store


def open_store(config: Config) -> Store:
    """Open (creating and migrating if needed) the config's store, activation synced."""
    store = Store(config.store.path)
    sync_activation(store, config)
    return store
