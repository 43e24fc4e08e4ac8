"""Engine health as the supervisor reads it: each part's state, in words.

The engine's parts (fetcher, IDLE, sender, throttling...) write their own rows
to ``engine_health``; to those this adds what the store itself can tell: the
outbox backlog, who holds the engine lease, and when the master mailbox was
last read.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

from engine.outbox import BACKLOG_STATES, OutboxState
from engine.store import Store, leases, sync_state
from engine.store import health as health_rows_sql
from engine.store import outbox as outbox_rows
from engine.supervision.clock import counts_by_key, iso, parse_iso, utc_now

#: Words the engine's parts use for "all is well" and for "something is broken".
GOOD_STATES = frozenset({"ok", "running", "connected", "alive", "idle", "sent"})
BAD_STATES = frozenset({"error", "failed", "down", "expired", "lost"})


def band_of(state: str) -> str:
    """``ok``, ``warn`` or ``error``: the colour of a part's state (unknown words warn)."""
    word = state.strip().lower()
    if word in GOOD_STATES:
        return "ok"
    return "error" if word in BAD_STATES else "warn"


@dataclass(frozen=True)
class HealthRow:
    """One line of the engine health tab."""

    name: str
    #: What the part reported (``running``, ``connected``, ``reconnecting``...).
    state: str
    detail: str
    updated: str | None

    @property
    def band(self) -> str:
        """``ok``, ``warn`` or ``error``, for colour."""
        return band_of(self.state)


def health_rows(store: Store, now: datetime | None = None) -> list[HealthRow]:
    """Every engine part's reported health, then the derived rows."""
    now = now or utc_now()
    rows = [HealthRow(r[0], r[1], r[2], r[3]) for r in health_rows_sql.rows(store)]
    rows.append(_outbox_row(store, now))
    rows.append(_lease_row(store))
    rows.extend(_sync_rows(store))
    return rows


def _outbox_row(store: Store, now: datetime) -> HealthRow:
    by_state = counts_by_key(outbox_rows.counts_by_state(store))
    backlog = sum(int(by_state.get(s, 0)) for s in BACKLOG_STATES)
    failed = int(by_state.get(OutboxState.FAILED, 0))
    oldest = outbox_rows.oldest_waiting(store, BACKLOG_STATES)
    words = f"{backlog} waiting to be sent"
    created = parse_iso(oldest[0]) if oldest else None
    if created is not None:
        words += f", oldest {int((now - created).total_seconds() // 60)} min"
    if failed:
        words += f"; {failed} failed"
    if oldest and oldest[1]:
        words += f"; last error: {oldest[1]}"
    state = "error" if failed else "warn" if oldest and oldest[1] else "ok"
    return HealthRow("outbox", state, words, iso(now))


def _lease_row(store: Store) -> HealthRow:
    row = leases.shown(store, "engine")
    if row is None:
        return HealthRow(
            "engine lease", "warn", "no process runs the engine (start `micc serve`)", None
        )
    alive = float(row[3]) > time.time()
    words = f"held by {row[0]} (pid {row[1]} on {row[2]}) since {row[4][:19]}"
    if not alive:
        words = "expired: " + words + "; is the engine running?"
    return HealthRow("engine lease", "ok" if alive else "error", words, row[4])


def _sync_rows(store: Store) -> list[HealthRow]:
    return [
        HealthRow(f"mailbox {r[0]}", "ok", f"last read up to UID {r[1]}", r[2])
        for r in sync_state.summary(store)
    ]
