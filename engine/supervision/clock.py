"""Time and counting helpers shared by the supervision figures.

The store keeps times as UTC ISO 8601 text (``now_iso``), which sorts like
time, so bounds are built in exactly that shape and compared as text; that
lets SQLite use its indexes instead of parsing dates row by row.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta

from engine.store import iso_of


def utc_now() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """``moment`` as the store writes times (UTC, microseconds)."""
    return iso_of(moment)


def start_of_local_day(moment: datetime) -> datetime:
    """Midnight of ``moment``'s day in the machine's local time zone.

    "Answered today" means the supervisor's day, not UTC's.
    """
    local = moment.astimezone()
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def parse_iso(text: str | None) -> datetime | None:
    """A stored time as an aware datetime, or None when absent or unreadable."""
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def minutes_between(earlier: datetime, later: datetime) -> float:
    """Minutes from ``earlier`` to ``later`` (never negative: clocks of hosts drift)."""
    return max((later - earlier) / timedelta(minutes=1), 0.0)


def counts_by_key(rows: Iterable[Sequence[object]]) -> dict[str, int]:
    """``(key, count)`` rows of a GROUP BY as a dict (a NULL key becomes '')."""
    return {str(row[0] or ""): int(str(row[1])) for row in rows}
