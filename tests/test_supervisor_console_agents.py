"""The supervisor's distribution keys through Pilot: agents' states, logging out, assigning.

The populated store (tests/supervisor_fixtures.py): alice Available holding
e-mail 7, bob Away, carol logged out; Sales queues e-mails 1 and 2. The
console's clock is stopped at NOW, so alice's heartbeat is fresh.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from textual.widgets import DataTable, OptionList

from engine import distribution, queue
from engine.bootstrap import open_store
from engine.config import Config
from engine.store import Store
from engine.supervision import open_supervision
from micc_tui.supervisor import SupervisorApp
from micc_tui.supervisor.modals import AgentPicker, ChoicePrompt, ConfirmPrompt
from micc_tui.supervisor.queue_screen import QueueScreen
from micc_tui.supervisor.tabs.agents import AgentTable
from tests.agent_fixtures import NOW
from tests.supervisor_fixtures import app_for, populate, wait_for


@pytest.fixture
def store(config: Config) -> Store:
    store = open_store(config)
    populate(store, config)
    return store


def state_events(store: Store) -> list[dict[str, Any]]:
    found = store.query(
        "SELECT agent_id, detail_json FROM events WHERE kind = 'agent_state' ORDER BY id"
    )
    return [{"agent": r[0], **json.loads(r[1])} for r in found]


def agent_cells(app: SupervisorApp, agent_id: str) -> tuple[str, ...]:
    table = app.query_one(AgentTable)
    row = next((r for r in table.rows() if r.cells[0] == agent_id), None)
    return row.cells if row else ()


def error_words(app: SupervisorApp) -> str:
    return " ".join(str(n.message) for n in app._notifications if n.severity == "error")


async def open_sales_queue(app: SupervisorApp, pilot: Any) -> DataTable[Any]:
    """Dashboard, Sales (the first group), e: its queue with e-mails 1 and 2."""
    await wait_for(pilot, lambda: app.board is not None)
    await pilot.press("e")
    await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen))
    queued = app.screen.query_one("#queued", DataTable)
    await wait_for(pilot, lambda: queued.row_count == 2)
    return queued


async def pick(app: SupervisorApp, pilot: Any, key: str, agent_id: str) -> None:
    """Press ``key`` (o or g) in the queue and choose ``agent_id`` in the picker."""
    await pilot.press(key)
    await wait_for(pilot, lambda: isinstance(app.screen, AgentPicker))
    picker = app.screen
    assert isinstance(picker, AgentPicker)
    options = picker.query_one(OptionList)
    options.highlighted = [a.agent_id for a in picker.agents].index(agent_id)
    await pilot.press("enter")


async def test_s_sets_an_agent_away_with_a_reason_by_the_supervisor(
    config: Config, store: Store
) -> None:
    app = app_for(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("5")
        await wait_for(pilot, lambda: agent_cells(app, "alice")[2:3] == ("Available",))
        await pilot.press("s")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoicePrompt))
        choices = app.screen.query_one(OptionList)
        assert [str(choices.get_option_at_index(i).prompt) for i in range(5)] == [
            "Available",
            "Away: Break",
            "Away: Meeting",
            "Away: Training",
            "Logged out",
        ]
        choices.highlighted = 1
        await pilot.press("enter")
        await wait_for(pilot, lambda: agent_cells(app, "alice")[2:3] == ("Away: Break",))
    last = state_events(store)[-1]
    assert last == {
        "agent": "alice",
        "from_state": "available",
        "to_state": "away",
        "reason": "Break",
        "by": "carol",
    }


async def test_l_logs_an_agent_out_and_returns_their_e_mail_first_in_line(
    config: Config, store: Store
) -> None:
    app = app_for(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("5")
        hand = app.query_one("#in-hand", DataTable)
        await wait_for(pilot, lambda: hand.row_count == 1)  # alice holds e-mail 7
        await pilot.press("l")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmPrompt))
        await pilot.press("y")
        await wait_for(
            pilot, lambda: agent_cells(app, "alice")[2:3] == ("Logged out: by supervisor",)
        )
        await wait_for(pilot, lambda: hand.row_count == 0)
        assert agent_cells(app, "alice")[4] == "0/5"
    item = queue.get_item(store, 7)
    assert item is not None and (item.state, item.agent_id) == ("queued", None)
    assert [i.id for i in queue.list_items(store, groups=["Sales"])] == [7, 1, 2]
    returned = store.query(
        "SELECT agent_id FROM events WHERE kind = 'returned' AND conversation_id = 7"
    )
    assert [r[0] for r in returned] == ["carol"]
    assert state_events(store)[-1]["by"] == "carol"


async def test_a_logged_out_agent_cannot_be_set_available(config: Config, store: Store) -> None:
    app = app_for(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("5")
        table = app.query_one(AgentTable)
        await wait_for(pilot, lambda: table.row_count == 3)
        table.move_to(2)  # carol: never logged in
        await wait_for(pilot, lambda: app.query_one("#in-hand-title").render() is not None)
        await pilot.pause(0.1)
        await pilot.press("s", "enter")  # Available
        await wait_for(pilot, lambda: "only their own console logs them in" in error_words(app))


async def test_o_offers_a_queued_e_mail_to_a_named_agent(config: Config, store: Store) -> None:
    app = app_for(config)
    async with app.run_test(size=(80, 24)) as pilot:
        queued = await open_sales_queue(app, pilot)
        await pick(app, pilot, "o", "alice")
        await wait_for(pilot, lambda: distribution.offer_of(store, "alice") is not None)
        offer = distribution.offer_of(store, "alice")
        assert offer is not None and offer.conversation_id == 1
        titles = [str(c.label) for c in queued.columns.values()]
        assert titles == ["Received", "Pri", "From", "Subject", "Offered to"]
        await wait_for(pilot, lambda: str(queued.get_cell("1", "offered")) == "Alice Smith")
        assert str(queued.get_cell("1", "priority")) == "5"


async def test_g_gives_a_queued_e_mail_outright(config: Config, store: Store) -> None:
    app = app_for(config)
    async with app.run_test(size=(80, 24)) as pilot:
        queued = await open_sales_queue(app, pilot)
        await pick(app, pilot, "g", "alice")
        await wait_for(pilot, lambda: queued.row_count == 1)
    item = queue.get_item(store, 1)
    assert item is not None and (item.state, item.agent_id) == ("in_progress", "alice")
    given = store.query("SELECT agent_id FROM events WHERE kind = 'given' AND conversation_id = 1")
    assert [r[0] for r in given] == ["carol"]


async def test_an_offer_to_an_agent_with_an_offer_open_is_refused_in_words(
    config: Config, store: Store
) -> None:
    distribution.offer_to(store, config, "carol", 1, "alice", now=NOW)
    app = app_for(config)
    async with app.run_test(size=(80, 24)) as pilot:
        queued = await open_sales_queue(app, pilot)
        queued.move_cursor(row=1)  # e-mail 2
        await pick(app, pilot, "o", "alice")
        await wait_for(
            pilot, lambda: "Alice Smith has an offer open (e-mail 1)" in error_words(app)
        )
        assert isinstance(app.screen, QueueScreen)  # still there, to try another agent
    offer = distribution.offer_of(store, "alice")
    assert offer is not None and offer.conversation_id == 1


async def test_time_in_state_and_the_offer_countdown_tick_without_a_store_change(
    config: Config, store: Store
) -> None:
    distribution.offer_to(store, config, "carol", 1, "alice", now=NOW)
    clock = [NOW]
    app = SupervisorApp(
        open_supervision(config, "carol", clock=lambda: clock[0]), poll_seconds=0.05
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("5")
        await wait_for(
            pilot, lambda: agent_cells(app, "alice")[2:6] == ("Offered", "0s", "1/5", "#1 30s")
        )
        clock[0] = NOW + timedelta(seconds=65)
        await wait_for(pilot, lambda: agent_cells(app, "alice")[3:6] == ("1m 05s", "1/5", "#1 0s"))
        assert agent_cells(app, "bob")[3] == "1m 15s"  # Away since his heartbeat 10 s before NOW
