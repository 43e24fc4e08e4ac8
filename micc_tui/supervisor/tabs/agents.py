"""Agents: who is logged in, what each holds, waits for and handled today; release e-mails."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Label

from engine.queue import QueueItem
from engine.supervision.agents import AgentRow, Waiting
from micc_tui.supervisor.modals import ConfirmPrompt
from micc_tui.supervisor.tabs.base import (
    ConversationTab,
    address_width,
    cell,
    short_time,
    sync_rows,
)
from micc_tui.supervisor.tabs.dashboard import waited
from micc_tui.widgets.fit_table import FitTable
from micc_tui.widgets.marked_table import MarkedRow, MarkedTable
from micc_tui.widgets.queue_table import Column, QueueTable
from micc_tui.widgets.safe import one_line

AGENT_COLUMNS = (
    Column("Agent", 8),
    Column("Name", 14, flex=1),
    Column("Role", 10),
    Column("State", 9),
    Column("In hand", 7),
    Column("Waiting", 7),
    Column("Today", 5),
    Column("Groups", 12, flex=2),
    Column("Seen", 5, hide_below=70),
)
#: Where the figures are (right-aligned).
FIGURES = (4, 5, 6)
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


class AgentTable(MarkedTable):
    """Every agent, line-painted: 500 agents cost what the screen shows, not more."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        *MarkedTable.COMPONENT_CLASSES,
        "agent-table--available",
    }


def agent_row(key: int, agent: AgentRow) -> MarkedRow:
    """An agent's row; agents not logged in are dimmed, available ones marked."""
    state = "agent-table--available" if agent.state == "available" else ""
    return MarkedRow(
        key,
        (
            one_line(agent.agent_id),
            one_line(agent.name),
            agent.role,
            one_line(agent.state),
            str(agent.in_hand),
            str(agent.waiting),
            str(agent.handled_today),
            one_line(", ".join(agent.groups)),
            agent.last_seen[11:16] if agent.last_seen else "",
        ),
        dim=not agent.logged_in,
        marks=("", "", "", state),
    )


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


def hand_title(agent_id: str | None, data: AgentsData) -> str:
    """``E-mails in hand: alice · 2 waiting for the customer``."""
    if agent_id is None:
        return "E-mails in hand"
    title = f"E-mails in hand: {agent_id}"
    if data.agent_id == agent_id and data.waiting:
        title += f" · {len(data.waiting)} waiting for the customer"
    return title


class AgentsTab(ConversationTab):
    """Agents with presence and figures; the highlighted agent's e-mails below."""

    TITLE = "Agents"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "release", "Release e-mail"),
        Binding("R", "release_all", "Release all"),
    ]

    #: The agent whose e-mails are listed (set on the UI thread, handed to the loader).
    agent_id: str | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: Agent ids by row key (the row keys are positions in the config).
        self._ids: list[str] = []
        #: How many e-mails the listed agent holds (the lower table's first rows).
        self._in_hand = 0

    def compose(self) -> ComposeResult:
        yield AgentTable(
            AGENT_COLUMNS, right=FIGURES, id="agents", empty_text="No agents in the config"
        )
        yield Label("E-mails in hand", id="in-hand-title")
        hand = FitTable(flex="subject", id="in-hand", cursor_type="row")
        for key, title in HAND_COLUMNS:
            hand.add_column(title, key=key)
        yield hand

    def load_params(self) -> str | None:
        """The agent under the cursor."""
        return self.agent_id

    def load(self, params: str | None) -> AgentsData:
        """All agents, and the e-mails the agent ``params`` holds and waits on."""
        agent = params
        return AgentsData(
            self.supervision.agents(),
            agent,
            self.supervision.in_hand(agent) if agent else [],
            self.supervision.waiting(agent) if agent else [],
        )

    def show(self, data: AgentsData) -> None:
        """Rows by agent id and by conversation id."""
        agents = self.query_one(AgentTable)
        hand = self.query_one("#in-hand", DataTable)
        wide = address_width(hand)
        self._ids = [a.agent_id for a in data.agents]
        with self.app.batch_update():
            agents.set_rows([agent_row(index, a) for index, a in enumerate(data.agents)])
            if data.agent_id == self.agent_id:
                self._in_hand = len(data.in_hand)
                sync_rows(
                    hand,
                    [
                        (
                            str(i.id),
                            [
                                cell(short_time(i.received)),
                                cell(i.service_group),
                                cell(i.from_address, wide),
                                cell(i.subject),
                                cell(""),
                            ],
                        )
                        for i in data.in_hand
                    ]
                    + [waiting_row(w) for w in data.waiting],
                )
            self.query_one("#in-hand-title", Label).update(hand_title(self.agent_id, data))
        if self.agent_id is None and data.agents:
            self._follow_cursor()

    def on_queue_table_highlighted(self, event: QueueTable.Highlighted) -> None:
        """List the e-mails of the agent under the cursor."""
        if isinstance(event.table, AgentTable):
            self._follow_cursor()

    def _follow_cursor(self) -> None:
        key = self.query_one(AgentTable).cursor_key
        agent = self._ids[key] if key is not None and key < len(self._ids) else None
        if agent != self.agent_id:
            self.agent_id = agent
            self.reload()

    def selected_conversation(self) -> int | None:
        """The highlighted e-mail of the lower table (the agent's e-mails in hand)."""
        key = self.key_of(self.query_one("#in-hand", DataTable))
        return int(str(key)) if key is not None else None

    def action_release(self) -> None:
        """Put the highlighted in-hand e-mail back in its queue, once the supervisor confirms."""
        key = self.key_of(self.query_one("#in-hand", DataTable))
        agent = self.agent_id
        if key is None or agent is None:
            self.notify("Pick an e-mail in the lower table first.", severity="warning")
            return
        conversation = int(str(key))

        def answered(yes: bool | None) -> None:
            if yes:
                # Refused if someone else holds it by the time the supervisor said yes.
                self.act(
                    lambda: self.supervision.release(conversation, holder=agent),
                    f"E-mail {conversation} is back in its queue",
                )

        self.app.push_screen(
            ConfirmPrompt(
                f"Take e-mail {conversation} away from {self.supervision.name_of(agent)}?",
                "It goes back to its queue; the agent can no longer send a reply to it.",
                verb="Release",
            ),
            answered,
        )

    def action_release_all(self) -> None:
        """Put everything the highlighted agent holds back in the queues, once confirmed."""
        agent = self.agent_id
        if agent is None:
            return
        count = self._in_hand
        if not count:
            self.notify(f"{self.supervision.name_of(agent)} holds no e-mails.", markup=False)
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.act(
                    lambda: self.supervision.release_all(agent),
                    lambda count: f"{count} e-mail(s) of {agent} back in the queues",
                )

        self.app.push_screen(
            ConfirmPrompt(
                f"Take all {count} e-mail(s) away from {self.supervision.name_of(agent)}?",
                "They go back to their queues; the agent can no longer send replies to them.",
                verb="Release all",
            ),
            answered,
        )
