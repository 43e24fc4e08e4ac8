"""Dashboard figures per service group, in a handful of indexed queries.

Everything a supervisor's dashboard shows comes from :func:`dashboard`: per
group the queue (queued, in progress, pending review, waiting for the
customer, oldest waiting), the
day's answers and the agents present, plus arrivals per minute for a
sparkline. :func:`change_stamp` is the cheap question asked twice a second
("has anything happened?") so the full figures are computed only when needed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from engine import agent_state, lifecycle
from engine.audit import EventKind
from engine.config import Config
from engine.outbox import OutboxState
from engine.store import Store, conversations, events, health, presence
from engine.store import outbox as outbox_rows
from engine.supervision.clock import (
    counts_by_key,
    iso,
    minutes_between,
    parse_iso,
    start_of_local_day,
    utc_now,
)

Level = Literal["ok", "warn", "alarm"]

#: An agent whose console has not been heard from for this long is logged out
#: (a console that crashed cannot say goodbye).
PRESENCE_SECONDS = presence.PRESENCE_SECONDS
#: Agent states that mean "ready to take e-mail".
AVAILABLE_STATES = ("available",)
#: Agent states that mean the console was closed.
LOGGED_OUT_STATES = ("offline", "logged_out")
#: Minutes of arrivals the sparkline covers.
ARRIVAL_MINUTES = 30
#: Conversation states counted as work left or problems.
OPEN_STATES = lifecycle.OPEN


@dataclass(frozen=True)
class GroupFigures:
    """One service group's row on the dashboard."""

    name: str
    queued: int
    in_progress: int
    pending_review: int
    #: Waiting for the customer's answer, and since when the longest of them waits.
    pending_customer: int
    pending_since: str | None
    #: When the oldest queued e-mail arrived (store time), None when the queue is empty.
    oldest_received: str | None
    oldest_minutes: float | None
    answered_today: int
    agents_logged_in: int
    agents_available: int
    #: Colour of the oldest-waiting figure, from the group's thresholds.
    level: Level


@dataclass(frozen=True)
class Dashboard:
    """Everything on the dashboard at one moment."""

    at: str
    groups: tuple[GroupFigures, ...]
    #: Incoming e-mails per minute, oldest minute first, the current minute last.
    arrivals: tuple[int, ...]
    unrouted: int
    failed: int
    stamp: tuple[object, ...]


def level_for(minutes: float | None, warn: float, alarm: float) -> Level:
    """The colour band of an oldest-waiting age against a group's thresholds."""
    if minutes is None:
        return "ok"
    if minutes >= alarm:
        return "alarm"
    if minutes >= warn:
        return "warn"
    return "ok"


def change_stamp(store: Store) -> tuple[object, ...]:
    """A value that changes whenever the dashboard may have changed.

    Every queue change and arrival writes an event (so ``MAX(events.id)``,
    a rowid lookup); agents' heartbeats and engine health rows are tiny
    tables. Costs well under a millisecond at any archive size.
    """
    present = presence.stamp(store)
    return (
        events.newest_id(store),
        *(tuple(present) if present is not None else (None, 0)),
        health.newest_update(store),
        outbox_rows.newest_id(store),
    )


@dataclass(frozen=True)
class Presence:
    """An agent's presence as the supervisor sees it."""

    agent_id: str
    state: str
    logged_in: bool
    last_seen: str | None


def presences(store: Store, now: datetime) -> dict[str, Presence]:
    """Every agent the store has heard of, with logged-in judged by heartbeat age."""
    found = {}
    for row in presence.rows(store):
        seen = parse_iso(row[2])
        fresh = seen is not None and (now - seen).total_seconds() <= PRESENCE_SECONDS
        logged_in = fresh and row[1] not in LOGGED_OUT_STATES
        found[row[0]] = Presence(row[0], row[1] if logged_in else "offline", logged_in, row[2])
    return found


def dashboard(store: Store, config: Config, now: datetime | None = None) -> Dashboard:
    """Compute the dashboard: per configured service group, then the totals.

    Args:
        store: this thread's store.
        config: the tenant (groups, thresholds, agents' groups).
        now: the clock, fixed in tests; default the current time.
    """
    now = now or utc_now()
    stamp = change_stamp(store)
    counts: dict[tuple[str, str], tuple[int, str | None]] = {}
    for row in conversations.open_counts(store, OPEN_STATES):
        counts[(row[0], row[1] or "")] = (row[2], row[3])
    answered = counts_by_key(
        conversations.changed_since_by_group(
            store, lifecycle.State.ANSWERED, iso(start_of_local_day(now))
        )
    )
    waiting = {
        row[0] or "": (int(row[1]), row[2])
        for row in conversations.waiting_by_group(store, lifecycle.State.PENDING_CUSTOMER)
    }
    present = presences(store, now)
    states = {s.agent_id: s.state for s in agent_state.statuses(store, config, now, wall=now)}
    members: dict[str, list[str]] = {}
    for agent in config.agent:
        for name in agent.groups:
            members.setdefault(name, []).append(agent.id)
    groups = []
    for group in config.service_group:
        queued, oldest = counts.get((lifecycle.State.QUEUED, group.name), (0, None))
        oldest_at = parse_iso(oldest)
        minutes = minutes_between(oldest_at, now) if oldest_at else None
        here = [
            present[m] for m in members.get(group.name, ()) if m in present and present[m].logged_in
        ]
        groups.append(
            GroupFigures(
                name=group.name,
                queued=queued,
                in_progress=counts.get((lifecycle.State.IN_PROGRESS, group.name), (0, None))[0],
                pending_review=counts.get((lifecycle.State.PENDING_REVIEW, group.name), (0, None))[
                    0
                ],
                pending_customer=waiting.get(group.name, (0, None))[0],
                pending_since=waiting.get(group.name, (0, None))[1],
                oldest_received=oldest,
                oldest_minutes=minutes,
                answered_today=int(answered.get(group.name, 0)),
                agents_logged_in=len(here),
                # Able to be given work now: not Offered, Busy or in Wrap-up.
                agents_available=sum(states.get(p.agent_id) in AVAILABLE_STATES for p in here),
                level=level_for(
                    minutes,
                    group.thresholds.oldest_warn_minutes,
                    group.thresholds.oldest_alarm_minutes,
                ),
            )
        )
    return Dashboard(
        at=iso(now),
        groups=tuple(groups),
        arrivals=arrivals(store, now),
        unrouted=sum(
            n for (state, _), (n, _) in counts.items() if state == lifecycle.State.UNROUTED
        ),
        failed=failed_sends(store),
        stamp=stamp,
    )


def failed_sends(store: Store) -> int:
    """Replies the mail server kept refusing (the outbox's ``failed`` state)."""
    return outbox_rows.count_in(store, (OutboxState.FAILED,))


def arrivals(store: Store, now: datetime, minutes: int = ARRIVAL_MINUTES) -> tuple[int, ...]:
    """Incoming e-mails per minute over the last ``minutes`` minutes, oldest first."""
    current = now.replace(second=0, microsecond=0)
    first = current - timedelta(minutes=minutes - 1)
    per_minute = counts_by_key(events.per_minute(store, EventKind.RECEIVED, iso(first)))
    keys: Sequence[str] = [iso(first + timedelta(minutes=i))[:16] for i in range(minutes)]
    return tuple(int(per_minute.get(key, 0)) for key in keys)
