"""Service access activation: which accesses are active, and in what order.

The order is the activation order and it decides routing when several
patterns match (the first activated wins), so it is kept in the store rather
than derived from the config. At first sight of an access, ``active = true``
in the config activates it, in file order; afterwards only ``micc access
activate/deactivate`` (or the supervisor console) changes it.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.audit import EventKind, record
from engine.config import Config
from engine.errors import Refused
from engine.router import ActiveAccess, Overlap, find_overlaps
from engine.store import Store, activation, now_iso


@dataclass(frozen=True)
class AccessState:
    """A service access with its activation state, for listings."""

    name: str
    address: str
    service_group: str
    active: bool
    order: int | None
    activated_at: str | None
    #: 1 is the highest, 9 the lowest.
    priority: int = 5


def sync_activation(store: Store, config: Config) -> None:
    """Record accesses the store has not seen yet, activating those marked active."""
    known = activation.names(store)
    missing = [a for a in config.service_access if a.name not in known]
    if not missing:
        return
    with store.transaction():
        known = activation.names(store)  # again, under the write lock
        for access in missing:
            if access.name in known:
                continue
            activation.add_inactive(store, access.name, now_iso())
            if access.active:
                _activate(store, access.name)


def _activate(store: Store, name: str) -> bool:
    stamp = now_iso()
    order = activation.activate_last(store, name, stamp)
    if order is None:
        return False
    record(store, EventKind.ACCESS_ACTIVATED, at=stamp, service_access=name, order=order)
    return True


def activate(store: Store, config: Config, name: str) -> bool:
    """Activate ``name`` (last in order); False when it was already active."""
    _require(config, name)
    sync_activation(store, config)
    with store.transaction():
        return _activate(store, name)


def deactivate(store: Store, config: Config, name: str) -> bool:
    """Deactivate ``name``; False when it was not active."""
    _require(config, name)
    sync_activation(store, config)
    stamp = now_iso()
    with store.transaction():
        if not activation.deactivate(store, name, stamp):
            return False
        record(store, EventKind.ACCESS_DEACTIVATED, at=stamp, service_access=name)
    return True


def _require(config: Config, name: str) -> None:
    if config.access(name) is None:
        import difflib

        names = [a.name for a in config.service_access]
        close = difflib.get_close_matches(name, names, n=3)
        hint = (
            f"; did you mean {', '.join(close)}?"
            if close
            else (f"; known: {', '.join(names) or 'none'}")
        )
        raise Refused(f"no service access named {name!r}{hint}")


def access_states(store: Store, config: Config) -> list[AccessState]:
    """Every configured service access, active ones first in activation order."""
    sync_activation(store, config)
    rows = activation.rows(store)
    states = []
    for access in config.service_access:
        row = rows.get(access.name)
        active = bool(row and row["active"])
        states.append(
            AccessState(
                access.name,
                access.address,
                access.service_group,
                active,
                row["activation_seq"] if row and active else None,
                row["activated_at"] if row and active else None,
                access.priority,
            )
        )
    return sorted(states, key=lambda s: (not s.active, s.order or 0))


def active_accesses(store: Store, config: Config) -> list[ActiveAccess]:
    """The router's input: active accesses, earliest activated first."""
    return [
        ActiveAccess(s.name, s.address, s.service_group, s.priority)
        for s in access_states(store, config)
        if s.active
    ]


def overlaps(config: Config) -> list[Overlap]:
    """Pairs of configured service accesses whose patterns can match one address."""
    return find_overlaps([(a.name, a.address) for a in config.service_access])
