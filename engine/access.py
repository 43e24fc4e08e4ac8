"""Service access activation: which accesses are active, and in what order.

The order is the activation order and it decides routing when several
patterns match (the first activated wins), so it is kept in the store rather
than derived from the config. At first sight of an access, ``active = true``
in the config activates it, in file order; afterwards only ``micc access
activate/deactivate`` (or the supervisor console) changes it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from engine.config import Config
from engine.router import ActiveAccess, Overlap, find_overlaps
from engine.store import Store, now_iso


class AccessError(Exception):
    """An activation request names an unknown service access."""


@dataclass(frozen=True)
class AccessState:
    """A service access with its activation state, for listings."""

    name: str
    address: str
    service_group: str
    active: bool
    order: int | None
    activated_at: str | None


def sync_activation(store: Store, config: Config) -> None:
    """Record accesses the store has not seen yet, activating those marked active."""
    known = {row["name"] for row in store.query("SELECT name FROM access_activation")}
    missing = [a for a in config.service_access if a.name not in known]
    if not missing:
        return
    with store.transaction() as conn:
        known = {row[0] for row in conn.execute("SELECT name FROM access_activation")}
        for access in missing:
            if access.name in known:
                continue
            conn.execute(
                "INSERT INTO access_activation (name, active, changed_at) VALUES (?, 0, ?)",
                (access.name, now_iso()),
            )
            if access.active:
                _activate(store, access.name)


def _activate(store: Store, name: str) -> bool:
    conn = store.conn
    row = conn.execute("SELECT active FROM access_activation WHERE name = ?", (name,)).fetchone()
    if row is not None and row[0]:
        return False
    (top,) = conn.execute(
        "SELECT COALESCE(MAX(activation_seq), 0) FROM access_activation"
    ).fetchone()
    stamp = now_iso()
    conn.execute(
        "UPDATE access_activation SET active = 1, activation_seq = ?, activated_at = ?, "
        "changed_at = ? WHERE name = ?",
        (top + 1, stamp, stamp, name),
    )
    conn.execute(
        "INSERT INTO events (at, kind, detail_json) VALUES (?, 'access_activated', ?)",
        (stamp, json.dumps({"service_access": name, "order": top + 1})),
    )
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
    with store.transaction() as conn:
        row = conn.execute(
            "SELECT active FROM access_activation WHERE name = ?", (name,)
        ).fetchone()
        if row is None or not row[0]:
            return False
        stamp = now_iso()
        conn.execute(
            "UPDATE access_activation SET active = 0, activation_seq = NULL, activated_at = NULL,"
            " changed_at = ? WHERE name = ?",
            (stamp, name),
        )
        conn.execute(
            "INSERT INTO events (at, kind, detail_json) VALUES (?, 'access_deactivated', ?)",
            (stamp, json.dumps({"service_access": name})),
        )
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
        raise AccessError(f"no service access named {name!r}{hint}")


def access_states(store: Store, config: Config) -> list[AccessState]:
    """Every configured service access, active ones first in activation order."""
    sync_activation(store, config)
    rows = {r["name"]: r for r in store.query("SELECT * FROM access_activation")}
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
            )
        )
    return sorted(states, key=lambda s: (not s.active, s.order or 0))


def active_accesses(store: Store, config: Config) -> list[ActiveAccess]:
    """The router's input: active accesses, earliest activated first."""
    return [
        ActiveAccess(s.name, s.address, s.service_group)
        for s in access_states(store, config)
        if s.active
    ]


def overlaps(config: Config) -> list[Overlap]:
    """Pairs of configured service accesses whose patterns can match one address."""
    return find_overlaps([(a.name, a.address) for a in config.service_access])
