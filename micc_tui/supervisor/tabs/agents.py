"""Agents: who is logged in, what each holds and handled today; release e-mails."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Label

from engine.queue import QueueItem
from engine.supervision.agents import AgentRow
from micc_tui.supervisor.tabs.base import (
    SupervisorTab,
    address_width,
    cell,
    number,
    short_time,
    sync_rows,
)
from micc_tui.widgets.fit_table import FitTable

AGENT_COLUMNS = (("agent", "Agent"), ("name", "Name"), ("role", "Role"), ("state", "State"),
                 ("hand", "In hand"), ("handled", "Today"), ("groups", "Groups"),
                 ("seen", "Seen"))
HAND_COLUMNS = (("received", "Received"), ("group", "Service group"), ("from", "From"),
                ("subject", "Subject"))


@dataclass(frozen=True)
class AgentsData:
    """Every agent, and the e-mails the highlighted one holds."""

    agents: list[AgentRow]
    agent_id: str | None
    in_hand: list[QueueItem]


class AgentsTab(SupervisorTab):
    """Agents with presence and figures; the highlighted agent's e-mails below."""

    TITLE = "Agents"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "release", "Release e-mail"),
        Binding("R", "release_all", "Release all"),
    ]

    #: The agent whose e-mails are listed (set on the UI thread, read by the loader).
    agent_id: str | None = None

    def compose(self) -> ComposeResult:
        agents = FitTable(flex="groups", id="agents", cursor_type="row", zebra_stripes=True)
        for key, title in AGENT_COLUMNS:
            agents.add_column(title, key=key)
        yield agents
        yield Label("E-mails in hand", id="in-hand-title")
        hand = FitTable(flex="subject", id="in-hand", cursor_type="row")
        for key, title in HAND_COLUMNS:
            hand.add_column(title, key=key)
        yield hand

    def load(self) -> AgentsData:
        """All agents, and the in-hand list of the one under the cursor."""
        agent = self.agent_id
        return AgentsData(self.supervision.agents(), agent,
                          self.supervision.in_hand(agent) if agent else [])

    def show(self, data: AgentsData) -> None:
        """Rows by agent id and by conversation id."""
        agents = self.query_one("#agents", DataTable)
        hand = self.query_one("#in-hand", DataTable)
        wide = address_width(agents)
        with self.app.batch_update():
            sync_rows(agents, [(a.agent_id, [
                cell(a.agent_id), cell(a.name, wide), cell(a.role), cell(a.state),
                number(a.in_hand), number(a.handled_today), cell(", ".join(a.groups)),
                cell(a.last_seen[11:16] if a.last_seen else "")]) for a in data.agents])
            if data.agent_id == self.agent_id:
                sync_rows(hand, [(str(i.id), [cell(short_time(i.received)),
                                              cell(i.service_group),
                                              cell(i.from_address, wide),
                                              cell(i.subject)]) for i in data.in_hand])
            self.query_one("#in-hand-title", Label).update(
                f"E-mails in hand: {self.agent_id}" if self.agent_id else "E-mails in hand")
        if self.agent_id is None and data.agents:
            self._follow_cursor()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        """List the e-mails of the agent under the cursor."""
        if event.data_table.id == "agents":
            self._follow_cursor()

    def _follow_cursor(self) -> None:
        key = self.key_of(self.query_one("#agents", DataTable))
        agent = str(key) if key is not None else None
        if agent != self.agent_id:
            self.agent_id = agent
            self.reload()

    def action_release(self) -> None:
        """Put the highlighted in-hand e-mail back in its queue."""
        key = self.key_of(self.query_one("#in-hand", DataTable))
        if key is None:
            self.notify("Pick an e-mail in the lower table first.", severity="warning")
            return
        conversation = int(str(key))
        self.act(lambda: self.supervision.release(conversation),
                 f"E-mail {conversation} is back in its queue")

    def action_release_all(self) -> None:
        """Put everything the highlighted agent holds back in the queues."""
        agent = self.agent_id
        if agent is not None:
            self.act(lambda: self.supervision.release_all(agent),
                     lambda count: f"{count} e-mail(s) of {agent} back in the queues")
