"""The agent's desk and its dialogs as a new user meets them (issue 15, items 1-3 and 9)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from textual.binding import Binding
from textual.widgets import Input, OptionList, Select, Static, TextArea

from engine.bootstrap import open_store
from engine.config import Config
from engine.service import open_contact_center
from micc_tui.agent import AgentApp
from micc_tui.agent import screen as desk
from micc_tui.agent.actions import DeskActions
from micc_tui.agent.address_completion import AddressInput
from micc_tui.agent.composer import ComposerScreen
from micc_tui.agent.dialogs import TextPrompt, TransferDialog
from micc_tui.agent.help import KEYS, HelpScreen, shown
from micc_tui.agent.panes import DeskQueue, ReadingPane
from micc_tui.demo.console import DemoAgentApp
from micc_tui.widgets.body_search import SearchBar
from micc_tui.widgets.queue_table import QueueTable
from micc_tui.widgets.trail import TrailScreen
from tests.agent_console_helpers import make_app, screen, settle, table
from tests.agent_fixtures import NOW, deliver, fix_received, mail, workspace


@pytest.fixture
def config(tmp_path: Path) -> Config:
    config = workspace(tmp_path / "ws")
    store = open_store(config)
    deliver(store, config, mail(1), mail(2, to="Solidus.Support@seclab.com"))
    fix_received(store)
    store.close()
    return config


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


def waiting_of_first_row(app: AgentApp) -> str:
    return table(app).rows()[0].cells[1]


async def test_waiting_times_keep_ticking_while_nothing_changes(
    config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(desk, "AGEING_SECONDS", 0.1)
    clock = Clock()
    app = AgentApp(open_contact_center(config, "alice", clock=clock), poll_seconds=0.3)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, lambda: table(app).row_count == 2)
        # fix_received: e-mail 1 arrived 89 minutes before NOW.
        assert waiting_of_first_row(app) == "1h 29m"
        clock.now = NOW + timedelta(minutes=12)
        await settle(pilot, lambda: waiting_of_first_row(app) == "1h 41m", timeout=5)
        assert table(app).rows()[1].cells[1] == "1h 40m"


def state_of(config: Config, conversation: int) -> tuple[str, str, str]:
    store = open_store(config)
    try:
        row = store.query_one(
            "SELECT state, service_group, reason FROM conversations WHERE id = ?", (conversation,)
        )
    finally:
        store.close()
    assert row is not None
    return row[0], row[1], row[2]


async def test_transfer_asks_for_the_group_and_enter_writes_the_note(config: Config) -> None:
    app = make_app(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, lambda: table(app).row_count == 2)
        await pilot.press("n")
        await settle(pilot, lambda: table(app).row_count == 1)
        await pilot.press("x")
        await settle(pilot, lambda: isinstance(app.screen, TransferDialog))
        dialog = app.screen
        choice = dialog.query_one("#transfer-group", Select)
        assert choice.is_blank() and app.focused is choice
        await pilot.press("tab", *"needs", "enter", *"pricing", "enter")
        assert app.screen is dialog  # Enter in the note is a new line, not "transfer"
        assert dialog.query_one("#transfer-note", TextArea).text == "needs\npricing\n"
        await pilot.click("#ok")
        await pilot.pause()
        assert app.screen is dialog
        assert "Choose the service group" in str(
            dialog.query_one("#transfer-error", Static).render()
        )
        assert state_of(config, 1)[0] == "in_progress"
        choice.focus()
        await pilot.press("enter", "down", "enter")  # the list opens on the blank prompt
        assert choice.value == "Marketing"
        assert str(dialog.query_one("#transfer-error", Static).render()) == ""
        await pilot.click("#ok")
        await settle(pilot, lambda: state_of(config, 1)[0] == "queued")
        assert state_of(config, 1) == ("queued", "Marketing", "needs\npricing")


async def test_the_receiving_group_reads_the_transfer_note(config: Config) -> None:
    alice = open_contact_center(config, "alice", clock=lambda: NOW)
    alice.take(1)
    alice.transfer(1, "Marketing", "Wants the 2027 price list [bold]today[/]")
    alice.close()
    app = make_app(config, "bob")  # Marketing and Support
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(
            pilot,
            lambda: table(app).row_count == 2 and screen(app).reading is not None,
        )
        assert table(app).cursor_key == 1
        headers = str(screen(app).query_one("#reading-headers", Static).render())
        assert "Note: Wants the 2027 price list [bold]today[/]" in headers
        await pilot.press("i")
        await settle(pilot, lambda: isinstance(app.screen, TrailScreen))
        trail = str(app.screen.query_one("#trail-text", Static).render())
        notes = trail.split("Internal notes:")[1]
        assert "Alice Smith at" in notes
        assert "Wants the 2027 price list [bold]today[/]" in notes


async def test_close_reasons_are_reached_with_arrows_and_clear_the_error(config: Config) -> None:
    app = make_app(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, lambda: table(app).row_count == 2)
        await pilot.press("n")
        await settle(pilot, lambda: table(app).row_count == 1)
        await pilot.press("c")
        await settle(pilot, lambda: isinstance(app.screen, TextPrompt))
        dialog = app.screen
        box = dialog.query_one("#prompt-input", Input)
        reasons = dialog.query_one("#prompt-suggestions", OptionList)
        error = dialog.query_one("#prompt-error", Static)
        assert app.focused is box
        await pilot.press("enter")
        assert "Please write something." in str(error.render())
        await pilot.press("down")
        assert app.focused is reasons and reasons.highlighted == 0
        await pilot.press("up")  # from the first reason back to the box
        assert app.focused is box
        await pilot.press("down", "down", "enter")
        assert box.value == "Duplicate" and app.focused is box
        assert str(error.render()) == ""
        await pilot.press("enter")
        await settle(pilot, lambda: state_of(config, 1)[0] == "closed")
        assert state_of(config, 1)[2] == "Duplicate"


def screen_lines(app: AgentApp) -> list[str]:
    """What the terminal shows, line by line."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


def bound_keys() -> set[str]:
    """Every key the desk, its panes, the composer (To and Cc too) and the apps bind."""
    keys: set[str] = set()
    owners = (DeskActions, QueueTable, DeskQueue, ReadingPane, SearchBar, ComposerScreen)
    for owner in (*owners, AddressInput, AgentApp, DemoAgentApp):
        for binding in owner.BINDINGS:
            assert isinstance(binding, Binding)
            keys.update(k.strip() for k in binding.key.split(","))
    keys.update({"ctrl+q", "ctrl+p"})  # Textual's own: quit, the command palette
    return keys


def test_the_help_names_every_key() -> None:
    named = {key for _, lines in KEYS for keys, _ in lines for key in keys}
    assert bound_keys() - named == set()


async def test_the_help_fits_and_scrolls_at_80x24(config: Config) -> None:
    app = make_app(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, lambda: table(app).row_count == 2)
        await pilot.press("question_mark")
        await settle(pilot, lambda: isinstance(app.screen, HelpScreen))
        dialog = app.screen.query_one("#help")
        assert app.screen.region.contains_region(dialog.region)
        seen = "\n".join(screen_lines(app))
        assert "Agent console keys" in seen
        for _ in range(10):  # a screenful at a time, to the end
            await pilot.press("pagedown")
            await pilot.pause()
            seen += "\n".join(screen_lines(app))
        for _, lines in KEYS:
            for keys, does in lines:
                assert f"{' '.join(shown(k) for k in keys)}" in seen and does in seen
        assert "Ctrl+Q" in seen
