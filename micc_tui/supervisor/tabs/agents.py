"""Agents: each one's state and time in it, e-mails in hand of how many, the live offer.

A supervisor changes an agent's state (``s``), logs an agent out (``l``, their
e-mails in hand back to the queue first in line) and releases e-mails (``r``
``R``). Time in state and the offer's seconds left tick every second, from
the rows last read (no store read per tick; :mod:`.agent_rows` makes them).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Label

from engine.supervision.agents import AgentRow
from micc_tui.supervisor.modals import ChoicePrompt, ConfirmPrompt
from micc_tui.supervisor.tabs.agent_rows import (
    AGENT_COLUMNS,
    FIGURES,
    HAND_COLUMNS,
    LOG_OUT,
    TICK_SECONDS,
    AgentsData,
    AgentTable,
    agent_row,
    hand_title,
    log_out_detail,
    offered_row,
    waiting_row,
)
from micc_tui.supervisor.tabs.base import (
    ConversationTab,
    address_width,
    cell,
    short_time,
    sync_rows,
)
from micc_tui.widgets.fit_table import FitTable
from micc_tui.widgets.queue_table import QueueTable

__all__ = ["AgentTable", "AgentsTab"]


class AgentsTab(ConversationTab):
    """Agents with their states and figures; the highlighted agent's e-mails below."""

    TITLE = "Agents"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "change_state", "State"),
        Binding("l", "log_out", "Log out"),
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

    def on_mount(self) -> None:
        self.set_interval(TICK_SECONDS, self._tick)

    def load_params(self) -> str | None:
        """The agent under the cursor."""
        return self.agent_id

    def load(self, params: str | None) -> AgentsData:
        """All agents, and the e-mails the agent ``params`` is offered, holds and waits on."""
        agent = params
        agents = self.supervision.agents()
        offer = next((a.offer for a in agents if a.agent_id == agent), None)
        return AgentsData(
            agents,
            agent,
            self.supervision.in_hand(agent) if agent else [],
            self.supervision.waiting(agent) if agent else [],
            self.supervision.item(offer) if offer is not None else None,
        )

    def show(self, data: AgentsData) -> None:
        """Rows by agent id and by conversation id."""
        hand = self.query_one("#in-hand", DataTable)
        now = self.supervision.clock()
        self._ids = [a.agent_id for a in data.agents]
        with self.app.batch_update():
            self._show_agents(data, now)
            if data.agent_id == self.agent_id:
                self._in_hand = len(data.in_hand)
                sync_rows(hand, self._hand_rows(data, now, address_width(hand)))
            self.query_one("#in-hand-title", Label).update(hand_title(self.agent_id, data))
        if self.agent_id is None and data.agents:
            self._follow_cursor()

    def _show_agents(self, data: AgentsData, now: datetime) -> None:
        self.query_one(AgentTable).set_rows(
            [agent_row(index, a, now) for index, a in enumerate(data.agents)]
        )

    def _hand_rows(
        self, data: AgentsData, now: datetime, wide: int
    ) -> list[tuple[str, Sequence[object]]]:
        """The offered e-mail (if any), those in hand, then those waiting for the customer."""
        agent = self._agent(data)
        offered: list[tuple[str, Sequence[object]]] = (
            [(str(data.offered.id), offered_row(data.offered, agent, now, wide))]
            if data.offered is not None
            else []
        )
        return [
            *offered,
            *(
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
            ),
            *(waiting_row(w) for w in data.waiting),
        ]

    def _agent(self, data: AgentsData) -> AgentRow | None:
        return next((a for a in data.agents if a.agent_id == data.agent_id), None)

    def _tick(self) -> None:
        """Times in state and offers' seconds left move on (from the rows last read)."""
        data = self._loaded
        if not isinstance(data, AgentsData) or not self.is_on_screen:
            return
        now = self.supervision.clock()
        with self.app.batch_update():
            self._show_agents(data, now)
            if data.offered is not None and data.agent_id == self.agent_id:
                hand = self.query_one("#in-hand", DataTable)
                sync_rows(hand, self._hand_rows(data, now, address_width(hand)))

    @property
    def is_on_screen(self) -> bool:
        """Whether the tab is the one shown (a hidden tab need not tick)."""
        return self.display and self.parent is not None and self.region.width > 0

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
        """The highlighted e-mail of the lower table (offered to the agent, or in hand)."""
        key = self.key_of(self.query_one("#in-hand", DataTable))
        return int(str(key)) if key is not None else None

    def _highlighted_agent(self) -> AgentRow | None:
        data = self._loaded
        if not isinstance(data, AgentsData) or self.agent_id is None:
            return None
        return next((a for a in data.agents if a.agent_id == self.agent_id), None)

    def action_change_state(self) -> None:
        """Set the highlighted agent Available, Away with a reason, or Logged out."""
        agent = self._highlighted_agent()
        if agent is None:
            return
        reasons = self.supervision.away_reasons
        choices = ["Available", *(f"Away: {r}" for r in reasons), LOG_OUT]

        def chosen(choice: str | None) -> None:
            if choice is None:
                return
            if choice == LOG_OUT:
                self._ask_log_out(agent)
                return
            state, _, reason = choice.partition(": ")
            self.act(
                lambda: self.supervision.change_state(agent.agent_id, state.lower(), reason),
                f"{agent.name} is {choice} now",
            )

        self.app.push_screen(
            ChoicePrompt(f"{agent.name} is {agent.words}. Set their state to:", choices), chosen
        )

    def action_log_out(self) -> None:
        """Log the highlighted agent out, once the supervisor confirms."""
        agent = self._highlighted_agent()
        if agent is not None:
            self._ask_log_out(agent)

    def _ask_log_out(self, agent: AgentRow) -> None:
        def answered(yes: bool | None) -> None:
            if yes:
                self.act(
                    lambda: self.supervision.log_out(agent.agent_id),
                    lambda back: (
                        f"{agent.name} is logged out; {back} e-mail(s) back in the queue, "
                        "first in line"
                    ),
                )

        self.app.push_screen(
            ConfirmPrompt(f"Log {agent.name} out?", log_out_detail(agent), verb="Log out"),
            answered,
        )

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
