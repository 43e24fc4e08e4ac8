"""Snapshots of the supervisor console at 80x24 and 160x50, with fixed data and clock."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from engine.bootstrap import open_store
from engine.config import Config
from micc_tui.supervisor import SupervisorApp
from micc_tui.supervisor.modals import ConfirmPrompt
from micc_tui.widgets.body_view import BodyView
from tests.agent_fixtures import workspace
from tests.supervisor_fixtures import app_for, populate, wait_for

SnapCompare = Callable[..., bool]


@pytest.fixture
def config(tmp_path: Path) -> Config:
    config = workspace(tmp_path / "ws")
    store = open_store(config)
    populate(store, config)
    store.close()
    return config


def loaded(tab_key: str, table_id: str, rows: int) -> Callable[[Pilot[Any]], Awaitable[None]]:
    """Switch to a tab and wait until its table holds ``rows`` rows and settles."""

    async def run_before(pilot: Pilot[Any]) -> None:
        # The snapshot runner starts this before the first screen is up: wait for
        # the first live figures, so the key reaches a ready console.
        app = pilot.app
        assert isinstance(app, SupervisorApp)
        await wait_for(pilot, lambda: app.board is not None)
        if tab_key:
            await pilot.press(tab_key)
        table = pilot.app.query_one(table_id)
        await wait_for(
            pilot, lambda: getattr(table, "row_count", 0) == rows and table.size.width > 0
        )
        await pilot.pause(0.1)
        await pilot.wait_for_scheduled_animations()

    return run_before


@pytest.mark.parametrize("size", [(80, 24), (160, 50)])
def test_dashboard(snap_compare: SnapCompare, config: Config, size: tuple[int, int]) -> None:
    assert snap_compare(app_for(config), terminal_size=size, run_before=loaded("", "#groups", 3))


@pytest.mark.parametrize("size", [(80, 24), (160, 50)])
def test_routing(snap_compare: SnapCompare, config: Config, size: tuple[int, int]) -> None:
    assert snap_compare(app_for(config), terminal_size=size, run_before=loaded("2", "#accesses", 4))


@pytest.mark.parametrize("size", [(80, 24), (160, 50)])
def test_review(snap_compare: SnapCompare, config: Config, size: tuple[int, int]) -> None:
    assert snap_compare(app_for(config), terminal_size=size, run_before=loaded("3", "#reviews", 1))


@pytest.mark.parametrize("size", [(80, 24), (160, 50)])
def test_unrouted_and_failed_with_a_hostile_subject(
    snap_compare: SnapCompare, config: Config, size: tuple[int, int]
) -> None:
    table_loaded = loaded("4", "#problems", 2)

    async def run_before(pilot: Pilot[Any]) -> None:
        await table_loaded(pilot)
        # The highlighted e-mail's preview is read in a worker: wait for its text.
        preview = pilot.app.query_one("#problem-preview", BodyView)
        await wait_for(pilot, lambda: "where is order 5?" in preview.text)
        await pilot.pause(0.1)

    assert snap_compare(app_for(config), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", [(80, 24), (160, 50)])
def test_deactivating_an_access_asks_first(
    snap_compare: SnapCompare, config: Config, size: tuple[int, int]
) -> None:
    table_loaded = loaded("2", "#accesses", 4)

    async def run_before(pilot: Pilot[Any]) -> None:
        await table_loaded(pilot)
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ConfirmPrompt))
        await pilot.pause(0.1)
        await pilot.wait_for_scheduled_animations()

    assert snap_compare(app_for(config), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", [(80, 24), (160, 50)])
def test_agents(snap_compare: SnapCompare, config: Config, size: tuple[int, int]) -> None:
    assert snap_compare(app_for(config), terminal_size=size, run_before=loaded("5", "#in-hand", 1))


def test_health(snap_compare: SnapCompare, config: Config) -> None:
    assert snap_compare(
        app_for(config), terminal_size=(80, 24), run_before=loaded("7", "#health", 3)
    )
