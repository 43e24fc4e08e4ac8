"""Plain functions that turn engine data into what the agent console shows."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from engine import dates
from engine.queue import QueueItem
from engine.service import GroupCount, HealthItem, ReviewOutcome
from micc_tui.widgets.queue_table import Column
from micc_tui.widgets.safe import one_line

#: The queue's columns; at 80 columns the received time and service access give way.
QUEUE_COLUMNS = (
    Column("Received", 11, hide_below=90),
    Column("Waiting", 7),
    Column("From", 12, flex=2),
    Column("Subject", 16, flex=4),
    Column("Service access", 14, hide_below=110),
)

#: Before the subject of an e-mail the agent has an unsent draft of.
DRAFT_MARK = "✎ "


@dataclass(frozen=True)
class Snapshot:
    """Everything the desk shows except the reading pane, loaded in one go."""

    view: str
    counts: list[GroupCount]
    in_hand: list[QueueItem]
    rows: list[QueueRow]
    health: list[HealthItem]
    state: str
    outcomes: list[ReviewOutcome] = field(default_factory=list)
    mark: tuple[int, ...] = ()
    #: The e-mails the agent waits on the customer for.
    waiting: list[QueueItem] = field(default_factory=list)
    #: Why the agent is Away ("no answer" when an offer went unanswered).
    reason: str = ""
    #: (the e-mail under the cursor when loaded, its newest event id): a note or
    #: a move of that e-mail makes the reading pane read it again.
    read_mark: tuple[int | None, int] = (None, 0)


def parse_time(stamp: str) -> datetime | None:
    """An ISO timestamp from the store, or None when it cannot be read."""
    try:
        return datetime.fromisoformat(stamp)
    except ValueError:
        return None


def waiting(since: datetime | None, now: datetime) -> str:
    """How long an e-mail has waited: ``45s``, ``12m``, ``3h 05m``, ``2d 4h``."""
    if since is None:
        return "?"
    seconds = max(int((now - since).total_seconds()), 0)
    if seconds < 60:
        return f"{seconds}s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes}m"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}h {minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d {hours}h"


def received(moment: datetime | None, now: datetime) -> str:
    """When it arrived, in local time: the time today, else the date and time."""
    if moment is None:
        return "?"
    return dates.when(moment, now=now)


def sender(item: QueueItem) -> str:
    """The customer as one short line: the name, else the address."""
    return one_line(item.from_name or item.from_address or "(unknown sender)")


class QueueRow:
    """A queue item as a table row; its cells are formatted only when first needed.

    A queue of 10,000 e-mails shows thirty of them: formatting the rest up
    front would cost more than painting.
    """

    __slots__ = ("_cells", "_search", "dim", "drafted", "item", "key", "now")

    def __init__(self, item: QueueItem, now: datetime, dim: bool, drafted: bool = False) -> None:
        self.item = item
        self.key = item.id
        self.now = now
        self.dim = dim
        #: The agent has a saved, unsent draft of it: its subject says so.
        self.drafted = drafted
        self._cells: tuple[str, ...] | None = None
        self._search: str | None = None

    def age(self, now: datetime) -> None:
        """Show the row as of ``now``: its waiting time grows while it sits on screen."""
        if now != self.now:
            self.now = now
            self._cells = None

    @property
    def cells(self) -> tuple[str, ...]:
        """Received, waiting, from, subject (after a draft mark), service access; inert text."""
        if self._cells is None:
            item, moment = self.item, parse_time(self.item.received)
            self._cells = (
                received(moment, self.now),
                waiting(moment, self.now),
                sender(item),
                (DRAFT_MARK if self.drafted else "") + one_line(item.subject or "(no subject)"),
                one_line(item.service_access or ""),
            )
        return self._cells

    @property
    def search(self) -> str:
        """From, address, subject and access, case-folded, for the filter."""
        if self._search is None:
            item = self.item
            self._search = " ".join(
                (item.from_name, item.from_address, item.subject, item.service_access or "")
            ).casefold()
        return self._search


def queue_rows(
    items: Sequence[QueueItem],
    now: datetime,
    *,
    mine: str | None = None,
    drafted: Collection[int] = (),
    dim: bool = False,
) -> list[QueueRow]:
    """Table rows for queue items; e-mails held by someone else (or all, ``dim``) are dimmed.

    E-mails in ``drafted`` (the agent has an unsent draft of them) are marked.
    """
    return [
        QueueRow(
            item,
            now,
            dim or (item.agent_id is not None and item.agent_id != mine),
            item.id in drafted,
        )
        for item in items
    ]


def matches_filter(row: QueueRow, words: Sequence[str]) -> bool:
    """True when every word occurs (case-insensitively) in the row's from, subject or access."""
    text = row.search
    return all(word in text for word in words)


def size(value: int) -> str:
    """A byte count for people: 512 B, 14 KB, 3.2 MB."""
    if value < 1024:
        return f"{value} B"
    if value < 1024 * 1024:
        return f"{value // 1024} KB"
    return f"{value / 1024 / 1024:.1f} MB"


def full_time(stamp: str | None) -> str:
    """A stored timestamp as local date and time (the stamp itself if unreadable)."""
    return dates.date_time(stamp)


#: Engine states that mean "working" to an agent (polling instead of IDLE, or an
#: outbound-only mailbox, changes nothing for the agent's work).
ENGINE_GOOD = frozenset(
    {"ok", "running", "connected", "alive", "idle", "polling", "sent", "outbound only"}
)
#: Engine states that mean mail is not flowing.
ENGINE_BAD = frozenset({"error", "failed", "down", "expired", "lost"})
#: A running engine rewrites its rows at least every half minute; far longer is silence.
ENGINE_SILENT = timedelta(minutes=5)


def engine_summary(health: Sequence[HealthItem], now: datetime) -> tuple[str, str]:
    """The engine's health in a few words for the status line, and its colour band.

    Bands are ``ok``, ``warn``, ``error`` and ``off``. The engine writes its
    parts' states (``engine`` running/stopped, ``connector`` connecting,
    connected, reconnecting..., ``sender`` ok/warn/error, ``fetch``, ``idle``,
    ``graph``); a running engine that has written nothing for minutes is
    probably gone (killed without a chance to say so).
    """
    if not health:
        return "engine: not running", "off"
    rows = {h.name: h for h in health}
    engine = rows.get("engine")
    if engine is not None and engine.state == "stopped":
        return "engine: stopped", "off"
    bad = [h for h in health if h.state.strip().lower() in ENGINE_BAD]
    if bad:
        return "engine: " + ", ".join(
            f"{one_line(h.name)} {one_line(h.state)}" for h in bad
        ), "error"
    newest = max(
        (t for t in (parse_time(h.updated) for h in health) if t is not None), default=None
    )
    if newest is not None and newest.tzinfo is not None and now - newest > ENGINE_SILENT:
        minutes = int((now - newest).total_seconds() // 60)
        return f"engine: silent for {minutes} min", "warn"
    unsure = [h for h in health if h.state.strip().lower() not in ENGINE_GOOD]
    if unsure:
        return "engine: " + ", ".join(
            f"{one_line(h.name)} {one_line(h.state)}" for h in unsure
        ), "warn"
    return "engine: ok", "ok"
