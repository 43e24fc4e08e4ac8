"""The supervisor console against other processes: live arrivals and activation order."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import DataTable

from engine import queue
from engine.config import Config, load_config
from engine.store import Store
from micc_tui.supervisor import SupervisorApp
from micc_tui.supervisor.app import POLL_SECONDS
from micc_tui.supervisor.tabs.dashboard import GroupTable
from tests.agent_fixtures import mail, workspace
from tests.supervisor_fixtures import supervision, wait_for

#: A second access for the Support group whose pattern overlaps Sales' addresses.
CATCH_ALL = """
[[service_access]]
name = "Catch-all"
address = "Solidus.*@seclab.com"
service_group = "Support"
active = true
"""


@pytest.fixture
def config(tmp_path: Path) -> Config:
    folder = tmp_path / "ws"
    workspace(folder)
    with (folder / "micc.toml").open("a", encoding="utf-8") as handle:
        handle.write(CATCH_ALL)
    return load_config(str(folder / "micc.toml"))


def import_in_another_process(config: Config, folder: Path, raw: bytes, name: str) -> None:
    """``micc import`` of one e-mail, run as its own process (as a fetcher would be)."""
    eml = folder / f"{name}.eml"
    eml.write_bytes(raw)
    subprocess.run(
        [sys.executable, "-m", "micc_tui", "--config", str(config.source), "import", str(eml)],
        check=True,
        capture_output=True,
        timeout=60,
    )


def cell(table: DataTable[Any], row: str, column: str) -> str:
    return str(getattr(table.get_cell(row, column), "plain", ""))


async def test_mail_ingested_by_another_process_shows_within_a_second(
    config: Config, store: Store, tmp_path: Path
) -> None:
    app = SupervisorApp(supervision(config))  # the real poll interval
    assert POLL_SECONDS <= 0.5
    async with app.run_test(size=(100, 30)) as pilot:
        groups = app.query_one(GroupTable)
        await wait_for(pilot, lambda: groups.row_count == 3)
        support = next(r for r in groups.rows() if r.cells[0] == "Support")
        assert support.cells[1] == "0"
        await asyncio.to_thread(
            import_in_another_process,
            config,
            tmp_path,
            mail(1, to="Solidus.Support@seclab.com"),
            "one",
        )
        # The other process has committed; the dashboard must follow within 1 s.
        await wait_for(
            pilot, lambda: any(r.cells[:2] == ("Support", "1") for r in groups.rows()), timeout=1.0
        )


async def test_activation_order_changed_in_the_console_routes_the_next_email(
    config: Config, store: Store, tmp_path: Path
) -> None:
    await asyncio.to_thread(
        import_in_another_process,
        config,
        tmp_path,
        mail(1, to="Solidus.Sales.EU@seclab.com"),
        "before",
    )
    first = queue.list_items(store, states=None)[0]
    assert (first.service_access, first.service_group) == ("Sales", "Sales")

    app = SupervisorApp(supervision(config), poll_seconds=0.05)
    async with app.run_test(size=(120, 34)) as pilot:
        await pilot.press("2")
        accesses = app.query_one("#accesses", DataTable)
        await wait_for(pilot, lambda: accesses.row_count == 5)
        accesses.focus()
        accesses.move_cursor(row=accesses.get_row_index("Sales"))
        await pilot.press("d", "y")  # y: it asks first
        await wait_for(pilot, lambda: cell(accesses, "Sales", "active") == "no")
        accesses.move_cursor(row=accesses.get_row_index("Sales"))
        await pilot.press("a")
        # Sales is active again, but now after Catch-all: Catch-all wins Sales' addresses.
        await wait_for(pilot, lambda: cell(accesses, "Sales", "order") == "6")

    await asyncio.to_thread(
        import_in_another_process,
        config,
        tmp_path,
        mail(2, to="Solidus.Sales.EU@seclab.com"),
        "after",
    )
    second = next(i for i in queue.list_items(store, states=None) if i.id != first.id)
    assert (second.service_access, second.service_group) == ("Catch-all", "Support")
