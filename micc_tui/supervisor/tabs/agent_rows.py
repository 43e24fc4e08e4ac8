"""The Agents tab's rows: an agent's state and time in it, in hand/capacity, the offer's countdown.

Pure functions of the rows read and the time now, so the tab can tick every
second without reading the store.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from rich.text import Text

from engine.agent_state import AgentState
from engine.queue import QueueItem
from engine.supervision.agents import AgentRow, Waiting
from engine.supervision.clock import parse_iso
from micc_tui.supervisor.tabs.base import cell, short_time
from micc_tui.supervisor.tabs.dashboard import waited
from micc_tui.widgets.marked_table import MarkedRow, MarkedTable
from micc_tui.widgets.queue_table import Column
from micc_tui.widgets.safe import one_line

AGENT_COLUMNS = (
    Column("Agent", 7),
    Column("Name", 12, flex=1),
    Column("State", 15, flex=1),
    Column("For", 7),
    Column("In hand", 7),
    Column("Offer", 8),
    Column("Waiting", 7),
    Column("Today", 5),
    # At 80 columns the states and offers matter more than the groups.
    Column("Groups", 12, flex=2, hide_below=90),
    Column("Role", 10, hide_below=130),
    Column("Seen", 8, hide_below=110),
)
#: Where the figures are (right-aligned): time in state, in hand, waiting, today.
FIGURES = (3, 4, 6, 7)
#: The state cell's colour by state (the stylesheet's classes).
STATE_MARKS = {
    AgentState.AVAILABLE: "agent-table--available",
    AgentState.AWAY: "agent-table--away",
    AgentState.OFFERED: "agent-table--offered",
}
#: Seconds between two ticks of the times in state and the offers' countdowns.
TICK_SECONDS = 1.0
#: What the state picker (``s``) offers besides the away reasons.
LOG_OUT = "Logged out"
HAND_COLUMNS = (
    ("received", "Received"),
    ("group", "Service group"),
    ("from", "From"),
    ("subject", "Subject"),
    ("waiting", "Waiting"),
)


@dataclass(frozen=True)
class AgentsData:
    """Every agent, and the e-mails the highlighted one holds and waits on."""

    agents: list[AgentRow]
    agent_id: str | None
    in_hand: list[QueueItem]
    waiting: list[Waiting]
    #: The e-mail offered to the highlighted agent right now, if any.
    offered: QueueItem | None = None


class AgentTable(MarkedTable):
    """Every agent, line-painted: 500 agents cost what the screen shows, not more."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        *MarkedTable.COMPONENT_CLASSES,
        "agent-table--available",
        "agent-table--away",
        "agent-table--offered",
    }


def in_state(seconds: float) -> str:
    """Time in a state, to the second while it is short: ``45s``, ``12m 05s``, ``2h 05m``."""
    whole = max(int(seconds), 0)
    if whole < 60:
        return f"{whole}s"
    if whole < 3600:
        return f"{whole // 60}m {whole % 60:02d}s"
    if whole < 86400:
        return f"{whole // 3600}h {whole % 3600 // 60:02d}m"
    return f"{whole // 86400}d {whole % 86400 // 3600}h"


def seconds_since(stamp: str | None, now: datetime) -> float | None:
    """Seconds from a stored time to ``now`` (None when there is no time)."""
    moment = parse_iso(stamp)
    return (now - moment).total_seconds() if moment is not None else None


def offer_cell(agent: AgentRow, now: datetime) -> str:
    """``#12 25s``: the e-mail offered and the seconds left to answer; '' without an offer."""
    if agent.offer is None:
        return ""
    left = -(seconds_since(agent.offer_expires, now) or 0.0)
    return f"#{agent.offer} {max(math.ceil(left), 0)}s"


def agent_row(key: int, agent: AgentRow, now: datetime) -> MarkedRow:
    """An agent's row at ``now``; agents not logged in are dimmed, the state coloured."""
    held = seconds_since(agent.since, now)
    return MarkedRow(
        key,
        (
            one_line(agent.agent_id),
            one_line(agent.name),
            one_line(agent.words),
            in_state(held) if held is not None else "",
            f"{agent.in_hand}/{agent.capacity}",
            offer_cell(agent, now),
            str(agent.waiting),
            str(agent.handled_today),
            one_line(", ".join(agent.groups)),
            agent.role,
            short_time(agent.last_seen) if agent.last_seen else "",
        ),
        dim=not agent.logged_in,
        marks=("", "", STATE_MARKS.get(AgentState(agent.state), "")),
    )


def offered_row(item: QueueItem, agent: AgentRow | None, now: datetime, wide: int) -> list[Text]:
    """The e-mail offered to the agent, above those in hand: how long they have to answer."""
    left = offer_cell(agent, now).partition(" ")[2] if agent is not None else ""
    cells = [
        cell(short_time(item.received)),
        cell(item.service_group),
        cell(item.from_address, wide),
        cell(item.subject),
        cell(f"offered · {left} left" if left else "offered"),
    ]
    for text in cells:
        text.style = "italic"
    return cells


def waiting_row(waiting: Waiting) -> tuple[str, list[Text]]:
    """An e-mail waiting for the customer, dimmed, under those in hand: its age and reminder."""
    remind = short_time(waiting.remind_at) if waiting.remind_at else "no reminder"
    cells = [
        cell(short_time(waiting.received)),
        cell(waiting.service_group),
        cell(waiting.customer, 20),
        cell(waiting.subject),
        cell(f"{waited(waiting.minutes)} · {remind}"),
    ]
    for text in cells:
        text.style = "dim"
    return str(waiting.conversation_id), cells


def log_out_detail(agent: AgentRow) -> str:
    """What logging an agent out does to their e-mails, in a sentence."""
    held = (
        f"The {agent.in_hand} e-mail(s) in their hand go back to the queue, first in line"
        if agent.in_hand
        else "They hold no e-mails"
    )
    offer = f"; the offer of e-mail {agent.offer} is withdrawn" if agent.offer else ""
    return f"{held}{offer}."


def hand_title(agent_id: str | None, data: AgentsData) -> str:
    """``E-mails in hand: alice 2/3 · offered e-mail 12 · 2 waiting for the customer``.

    A state with a reason is written out whole here (``bob 0/3 · Away: Training``):
    at 80 columns the table's State cell may cut it.
    """
    if agent_id is None:
        return "E-mails in hand"
    title = f"E-mails in hand: {agent_id}"
    if data.agent_id != agent_id:
        return title
    agent = next((a for a in data.agents if a.agent_id == agent_id), None)
    if agent is not None:
        title += f" {agent.in_hand}/{agent.capacity}"
        if agent.reason:
            title += f" · {one_line(agent.words)}"
    if data.offered is not None:
        title += f" · offered e-mail {data.offered.id}"
    if data.waiting:
        title += f" · {len(data.waiting)} waiting for the customer"
    return title
