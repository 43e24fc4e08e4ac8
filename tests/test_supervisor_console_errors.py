"""Errors reach the supervisor: a failing action in a tab is shown, and the tab recovers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.notifications import Notification

from engine.bootstrap import open_store
from engine.config import Config
from micc_tui.supervisor import SupervisorApp
from micc_tui.supervisor.modals import TextPrompt
from micc_tui.widgets.fit_table import FitTable
from micc_tui.workers import UNEXPECTED
from tests.agent_fixtures import workspace
from tests.supervisor_fixtures import app_for, populate, supervision, wait_for


@pytest.fixture
def config(tmp_path: Path) -> Config:
    """The supervised workspace: bob's reply to customer 4 waits for review."""
    config = workspace(tmp_path / "ws")
    store = open_store(config)
    populate(store, config)
    store.close()
    return config


def errors(app: App[None]) -> list[Notification]:
    """The error notifications shown so far."""
    return [n for n in app._notifications if n.severity == "error"]


async def open_review(app: SupervisorApp, pilot: Any) -> FitTable:
    """The Review tab with its one reply highlighted."""
    await pilot.press("3")
    reviews = app.query_one("#reviews", FitTable)
    await wait_for(pilot, lambda: reviews.row_count == 1)
    reviews.focus()
    return reviews


async def test_approving_a_reply_another_supervisor_just_decided_says_so(
    config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No live reloads: only the failed approval may bring the tab up to date.
    app = app_for(config, poll_seconds=3600)
    elsewhere = supervision(config)
    approve = app.supervision.approve

    def approve_second(outbox_id: int) -> None:
        elsewhere.approve(outbox_id)  # another supervisor's console was a moment quicker
        approve(outbox_id)

    monkeypatch.setattr(app.supervision, "approve", approve_second)
    try:
        async with app.run_test(size=(120, 34)) as pilot:
            reviews = await open_review(app, pilot)
            await pilot.press("a")
            await wait_for(pilot, lambda: bool(errors(app)))
            assert "not waiting for review" in str(errors(app)[-1].message)
            await wait_for(pilot, lambda: reviews.row_count == 0)  # the store as it is now
            assert "Nothing to review." in str(app.query_one("#review-original").render())
            assert not any("being sent" in str(n.message) for n in app._notifications)
    finally:
        elsewhere.close()


async def test_an_unexpected_error_in_a_tab_is_shown_and_the_console_carries_on(
    config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = app_for(config)

    def broken(outbox_id: int) -> None:
        raise RuntimeError("the outbox table is corrupt")

    monkeypatch.setattr(app.supervision, "approve", broken)
    async with app.run_test(size=(120, 34)) as pilot:
        reviews = await open_review(app, pilot)
        await pilot.press("a")
        await wait_for(pilot, lambda: bool(errors(app)))
        shown = errors(app)[-1]
        assert shown.title == UNEXPECTED and shown.message == "the outbox table is corrupt"
        assert reviews.row_count == 1
        await pilot.press("r")  # the tab still answers its keys
        await wait_for(pilot, lambda: isinstance(app.screen, TextPrompt))
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, TextPrompt))
        assert app.is_running
