"""Ctrl+Q with work open asks first (issue 15 item 8).

An agent who went offline with e-mails in hand left them in progress for
good; one who pressed Ctrl+Q in the composer lost the e-mail without a word.
Now Ctrl+Q asks: put the e-mails back in their queues, or keep them; and says
what becomes of an e-mail being written (its draft waits if its e-mail stays
in hand: tests/test_agent_console_drafts.py). Escape stays.
"""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Label, OptionList

from engine.bootstrap import open_store
from engine.config import Config
from engine.queue import get_item
from micc_tui.agent.composer import ComposerScreen
from micc_tui.agent.quit_prompt import QuitPrompt
from tests.agent_console_helpers import make_app, screen, settle, table
from tests.agent_fixtures import deliver, mail, workspace


def config_with_mail(tmp_path: Path) -> Config:
    config = workspace(tmp_path / "ws")
    store = open_store(config)
    deliver(store, config, mail(1), mail(2))
    store.close()
    return config


def states(config: Config) -> dict[int, str]:
    store = open_store(config)
    try:
        return {key: get_item(store, key).state for key in (1, 2)}  # type: ignore[union-attr]
    finally:
        store.close()


async def test_quitting_with_nothing_open_does_not_ask(tmp_path: Path) -> None:
    app = make_app(config_with_mail(tmp_path))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, lambda: table(app).row_count == 2)
        await pilot.press("ctrl+q")
        await settle(pilot, lambda: not app.is_running)
    assert not app.is_running


async def test_quitting_with_e_mails_in_hand_can_put_them_back(tmp_path: Path) -> None:
    config = config_with_mail(tmp_path)
    app = make_app(config)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, lambda: table(app).row_count == 2)
        await pilot.press("n")
        await settle(pilot, lambda: len(screen(app).snapshot.in_hand) == 1)  # type: ignore[union-attr]
        await pilot.press("ctrl+q")
        await settle(pilot, lambda: isinstance(app.screen, QuitPrompt))
        detail = str(app.screen.query_one("#quit-detail", Label).render())
        assert "You have 1 e-mail(s) in hand." in detail
        await pilot.press("escape")  # stays
        await settle(pilot, lambda: not isinstance(app.screen, QuitPrompt))
        assert app.is_running
        await pilot.press("ctrl+q")
        await settle(pilot, lambda: isinstance(app.screen, QuitPrompt))
        choices = app.screen.query_one("#quit-choices", OptionList)
        assert choices.get_option_at_index(0).id == "back"
        await pilot.press("enter")
        await settle(pilot, lambda: not app.is_running)
    assert sorted(states(config).values()) == ["queued", "queued"]


async def test_keeping_them_leaves_them_in_hand(tmp_path: Path) -> None:
    config = config_with_mail(tmp_path)
    app = make_app(config)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, lambda: table(app).row_count == 2)
        await pilot.press("n")
        await settle(pilot, lambda: len(screen(app).snapshot.in_hand) == 1)  # type: ignore[union-attr]
        await pilot.press("ctrl+q")
        await settle(pilot, lambda: isinstance(app.screen, QuitPrompt))
        await pilot.press("down", "enter")
        await settle(pilot, lambda: not app.is_running)
    assert sorted(states(config).values()) == ["in_progress", "queued"]


async def test_quitting_while_writing_says_what_becomes_of_the_e_mail(tmp_path: Path) -> None:
    config = config_with_mail(tmp_path)
    app = make_app(config)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, lambda: table(app).row_count == 2)
        await pilot.press("n")
        await settle(pilot, lambda: len(screen(app).snapshot.in_hand) == 1)  # type: ignore[union-attr]
        await pilot.press("r")
        await settle(pilot, lambda: isinstance(app.screen, ComposerScreen))
        await pilot.press("ctrl+q")
        await settle(pilot, lambda: isinstance(app.screen, QuitPrompt))
        detail = str(app.screen.query_one("#quit-detail", Label).render())
        assert (
            "The e-mail you are writing is not sent: its draft waits for you if you keep" in detail
        )
        assert "dropped if you put it back" in detail
        await pilot.press("escape")
        await settle(pilot, lambda: isinstance(app.screen, ComposerScreen))
