"""One service group's queue, first in line first: assign an e-mail to a named agent.

Opened from the dashboard (``e`` or ``Enter`` on a group). Each queued e-mail
shows its priority (1 highest) and the agent it is offered to right now. The
supervisor offers the highlighted e-mail to an agent (``o``: they accept or
reject it, as any offer) or gives it outright (``g``: it is in their hand at
once); the agent picker shows each agent's state and e-mails in hand of how
many. The list reads itself again every second, so offers come and go as
the distributor makes them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label
from textual.worker import Worker, WorkerState

from engine.queue import QueueItem
from engine.supervision import Supervision
from engine.supervision.agents import AgentRow
from micc_tui.supervisor.conversation import ConversationScreen
from micc_tui.supervisor.modals import AgentPicker
from micc_tui.supervisor.tabs.base import address_width, cell, short_time, sync_rows
from micc_tui.widgets.fit_table import FitTable
from micc_tui.workers import ReportsWorkerFailures

COLUMNS = (
    ("received", "Received"),
    ("priority", "Pri"),
    ("from", "From"),
    ("subject", "Subject"),
    ("offered", "Offered to"),
)
#: Seconds between two reads of the queue while it is open.
REFRESH_SECONDS = 1.0
#: What the line under the list says.
HINT = "o offer to an agent · g give outright · Enter read it · Esc close"


@dataclass(frozen=True)
class QueueData:
    """The group's queued e-mails and the agents one may go to, read together."""

    items: list[QueueItem]
    agents: list[AgentRow]


class QueueScreen(ModalScreen[None], ReportsWorkerFailures):
    """A service group's queued e-mails with priority and offers; offer or give one to an agent."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Close"),
        Binding("o", "offer", "Offer to agent"),
        Binding("g", "give", "Give to agent"),
    ]

    def __init__(self, supervision: Supervision, group: str) -> None:
        super().__init__()
        self.supervision = supervision
        self.group = group
        self._items: dict[str, QueueItem] = {}
        #: Who an e-mail may go to, with their states, as last read.
        self._agents: list[AgentRow] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="conversation"):
            yield Label(f"Queue: {self.group}", id="queue-title", classes="dialog-title")
            table = FitTable(flex="subject", id="queued", cursor_type="row", zebra_stripes=True)
            for key, title in COLUMNS:
                table.add_column(title, key=key)
            yield table
            yield Label(HINT, classes="dialog-hint")

    def on_mount(self) -> None:
        self.reload()
        self.set_interval(REFRESH_SECONDS, self.reload)

    def reload(self) -> None:
        """Read the queue again, off the UI thread."""
        self._load(self.group)

    @work(thread=True, exclusive=True, group="load", exit_on_error=False, description="_load")
    def _load(self, group: str) -> QueueData:
        return QueueData(self.supervision.queued(group), self.supervision.candidates(group))

    def show(self, data: QueueData) -> None:
        """Rows by conversation id, first in line first; the count in the title."""
        items = data.items
        self._items = {str(i.id): i for i in items}
        self._agents = data.agents
        table = self.query_one("#queued", FitTable)
        wide = address_width(table)
        with self.app.batch_update():
            sync_rows(
                table,
                [
                    (
                        str(i.id),
                        [
                            cell(short_time(i.received)),
                            cell(i.priority),
                            cell(i.from_address or i.from_name, wide),
                            cell(i.subject),
                            cell(self.supervision.name_of(i.offered_to) if i.offered_to else ""),
                        ],
                    )
                    for i in items
                ],
            )
            words = f"{len(items)} queued, first in line first" if items else "nothing queued"
            self.query_one("#queue-title", Label).update(f"Queue: {self.group} · {words}")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Show the queue read; say what an action did, then read the queue again."""
        if event.state != WorkerState.SUCCESS:
            return
        if event.worker.group == "load" and isinstance(event.worker.result, QueueData):
            self.show(event.worker.result)
        elif event.worker.group == "act":
            self.notify(str(event.worker.result), markup=False)
            self.reload()

    def worker_failed(self, worker: Worker[Any], error: BaseException) -> None:
        """An action was refused (the app says why): show the queue as it is now."""
        if worker.group == "act":
            self.reload()

    def selected(self) -> QueueItem | None:
        """The highlighted queued e-mail."""
        table = self.query_one("#queued", DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self._items.get(str(key))

    def action_offer(self) -> None:
        """Offer the highlighted e-mail to an agent the supervisor picks."""
        self._assign("offer")

    def action_give(self) -> None:
        """Give the highlighted e-mail outright to an agent the supervisor picks."""
        self._assign("give")

    def _assign(self, how: str) -> None:
        item = self.selected()
        if item is None:
            self.notify("No queued e-mail to assign.", severity="warning")
            return
        self._ask_agent(item, how, self._agents)

    def _ask_agent(self, item: QueueItem, how: str, agents: list[AgentRow]) -> None:
        """The agent picker, with the states read last (an engine refusal says if one moved)."""
        verb = "Offer" if how == "offer" else "Give"
        supervision = self.supervision

        def chosen(agent_id: str | None) -> None:
            if agent_id is None:
                return
            name = supervision.name_of(agent_id)
            if how == "offer":
                self._act(
                    lambda: supervision.offer_to(item.id, agent_id),
                    f"E-mail {item.id} offered to {name}",
                )
            else:
                self._act(
                    lambda: supervision.give(item.id, agent_id),
                    f"E-mail {item.id} is in {name}'s hand",
                )

        question = f"{verb} e-mail {item.id} to which agent?"
        self.app.push_screen(
            AgentPicker(question, agents, item.service_group, detail=item.subject), chosen
        )

    @work(thread=True, group="act", exit_on_error=False, description="_act")
    def _act(self, action: Callable[[], object], done: str) -> str:
        action()
        return done

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """Enter: read the e-mail's whole conversation."""
        event.stop()
        item = self._items.get(str(event.row_key.value))
        if item is not None:
            self.app.push_screen(ConversationScreen(self.supervision, item.id, item.message or 0))

    def action_close(self) -> None:
        """Back to the dashboard."""
        self.dismiss(None)
