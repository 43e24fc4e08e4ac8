"""What waits for the customer, as the supervisor sees it: counts, age, who waits, reminder."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import DataTable, Label, Static

from engine import dates, lifecycle, queue
from engine.bootstrap import open_store
from engine.config import Config
from engine.store import Store
from micc_tui.supervisor.tabs.agents import AgentTable
from micc_tui.supervisor.tabs.dashboard import GroupTable
from tests.agent_fixtures import NOW, workspace
from tests.supervisor_fixtures import app_for, populate, wait_for

REMIND_AT = (NOW + timedelta(days=1)).isoformat(timespec="microseconds")


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return workspace(tmp_path / "ws")


@pytest.fixture
def store(config: Config) -> Store:
    """The supervised center, and alice waiting on the customer of e-mail 1 for two days."""
    store = open_store(config)
    populate(store, config)
    lifecycle.take(store, "alice", 1)
    lifecycle.wait_for_customer(store, "alice", 1, REMIND_AT)
    with store.transaction() as conn:
        began = (NOW - timedelta(days=2, hours=3)).isoformat()
        conn.execute("UPDATE conversations SET updated = ? WHERE id = 1", (began,))
    return store


def figure(table: GroupTable, group: str, column: str) -> str:
    titles = [c.title for c in table.columns]
    row = next((r for r in table.rows() if r.cells[0] == group), None)
    return row.cells[titles.index(column)] if row else ""


def cell_text(table: DataTable[Any], row: str, column: str) -> str:
    return str(getattr(table.get_cell(row, column), "plain", table.get_cell(row, column)))


async def test_the_dashboard_counts_pending_and_says_the_longest_wait(
    config: Config, store: Store
) -> None:
    app = app_for(config)
    async with app.run_test(size=(80, 24)) as pilot:
        groups = app.query_one(GroupTable)
        await wait_for(pilot, lambda: figure(groups, "Sales", "Pending") == "1")
        assert figure(groups, "Support", "Pending") == "0"
        assert figure(groups, "Sales", "Queued") == "1"  # it is in no queue
        totals = str(app.query_one("#totals", Static).render())
        assert "Pending = waiting for the customer; the longest for 2d 3h" in totals


async def test_the_agents_tab_shows_who_waits_since_when_and_the_reminder(
    config: Config, store: Store
) -> None:
    app = app_for(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("5")
        agents = app.query_one(AgentTable)
        hand = app.query_one("#in-hand", DataTable)
        await wait_for(pilot, lambda: agents.row_count == 3 and hand.row_count == 2)
        alice = next(r for r in agents.rows() if r.cells[0] == "alice")
        titles = [c.title for c in agents.columns]
        assert alice.cells[titles.index("In hand")] == "1/5"
        assert alice.cells[titles.index("Waiting")] == "1"
        title = str(app.query_one("#in-hand-title", Label).render())
        assert title == "E-mails in hand: alice 1/5 · 1 waiting for the customer"
        assert cell_text(hand, "7", "waiting") == ""  # in hand
        assert cell_text(hand, "1", "waiting") == f"2d 3h · {dates.when(REMIND_AT)}"
        assert hand.get_cell("1", "subject").style == "dim"

        hand.focus()
        hand.move_cursor(row=1)
        await pilot.press("r", "y")  # the supervisor takes it back for the queue
        await wait_for(pilot, lambda: hand.row_count == 1)
        item = queue.get_item(store, 1)
        assert item is not None and (item.state, item.agent_id, item.remind_at) == (
            "queued",
            None,
            None,
        )
