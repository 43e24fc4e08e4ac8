"""The composer keeps its draft in the store while the agent writes (issue 15 item 8).

A dropped SSH connection took the typed reply with it: the text lived only
in the composer. Now it is saved every few seconds (here a fraction of a
second, so the tests are quick) and comes back when the same e-mail's
composer is opened again, in this console or in one started later. Each
test waits for the save by reading the store, as the next console would.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Label

from engine.bootstrap import open_store
from engine.config import Config
from engine.store import Store
from engine.store import drafts as rows
from engine.supervision import open_supervision
from micc_tui.agent import AgentApp, autosave
from micc_tui.agent.composer import ComposerScreen
from micc_tui.agent.format import DRAFT_MARK
from micc_tui.agent.quit_prompt import QuitPrompt
from micc_tui.agent.screen import AgentScreen
from micc_tui.agent.spell_area import SpellTextArea
from micc_tui.widgets.trail import MovedOn
from tests.agent_console_helpers import make_app, settle, subjects, table
from tests.agent_fixtures import NOW, deliver, mail, workspace

TYPED = "Your chairs leave the warehouse on Monday."


@pytest.fixture
def config(tmp_path: Path) -> Config:
    config = workspace(tmp_path / "ws")
    store = open_store(config)
    deliver(store, config, mail(1))
    store.close()
    return config


@pytest.fixture(autouse=True)
def quick_saves(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(autosave, "SAVE_SECONDS", 0.2)


def saved(config: Config, slot: str, column: str) -> str | None:
    """A column of alice's saved draft as another connection reads it (None: no draft)."""
    with Store(config.store.path, migrate=False) as store:
        row = rows.get(store, "alice", slot)
    return None if row is None else str(row[column])


def saved_body(config: Config, slot: str = "conversation 1") -> str | None:
    """The body of alice's saved draft of e-mail 1 (None: no draft)."""
    return saved(config, slot, "body")


def composer(app: AgentApp) -> ComposerScreen:
    assert isinstance(app.screen, ComposerScreen)
    return app.screen


def body(app: AgentApp) -> SpellTextArea:
    return composer(app).query_one("#composer-body", SpellTextArea)


def status(app: AgentApp) -> str:
    return str(composer(app).query_one("#composer-status").render())


def composer_closed(app: AgentApp) -> bool:
    return not isinstance(app.screen, ComposerScreen)


def desk_loaded(app: AgentApp) -> bool:
    shown = [s for s in app.screen_stack if isinstance(s, AgentScreen)]
    return bool(shown) and shown[0].snapshot is not None


async def open_reply(app: AgentApp, pilot: Pilot[None], *, take: bool = True) -> None:
    if take:
        await settle(pilot, lambda: table(app).row_count == 1)
        await pilot.press("n")
    else:
        await settle(pilot, lambda: desk_loaded(app))
        await pilot.press("1")  # the e-mails in hand
    await settle(pilot, lambda: subjects(app) != [] and composer_closed(app))
    await pilot.press("r")
    await settle(pilot, lambda: isinstance(app.screen, ComposerScreen))
    await settle(pilot, lambda: "Dear " in body(app).text)


async def write_and_wait_for_the_save(app: AgentApp, pilot: Pilot[None], config: Config) -> None:
    await pilot.press(*TYPED)
    await settle(pilot, lambda: TYPED in (saved_body(config) or ""))


async def test_a_dropped_console_loses_nothing_saved(config: Config) -> None:
    app = make_app(config)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_reply(app, pilot)
        composer(app).query_one("#composer-cc", Input).value = "boss@example.org"
        await write_and_wait_for_the_save(app, pilot, config)
        cursor = body(app).cursor_location
    # The console is gone without Ctrl+Q's question (as when the connection drops).
    assert saved_body(config) is not None

    again = make_app(config)
    async with again.run_test(size=(100, 30)) as pilot:
        await settle(pilot, lambda: desk_loaded(again))
        await pilot.press("1")
        await settle(pilot, lambda: subjects(again) == [DRAFT_MARK + "Order question 1"])
        await open_reply(again, pilot, take=False)
        assert TYPED in body(again).text
        assert body(again).text.count(TYPED) == 1
        assert composer(again).query_one("#composer-cc", Input).value == "boss@example.org"
        assert body(again).cursor_location == cursor  # typing goes on where it stopped
        assert "Draft restored from " in status(again)
        await pilot.press(*" Thanks")
        await settle(pilot, lambda: TYPED + " Thanks" in body(again).text)


async def test_sending_removes_the_draft(config: Config) -> None:
    app = make_app(config)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_reply(app, pilot)
        await write_and_wait_for_the_save(app, pilot, config)
        await pilot.press("ctrl+s")
        await settle(pilot, lambda: not isinstance(app.screen, ComposerScreen))
        assert saved_body(config) is None
        await settle(pilot, lambda: DRAFT_MARK not in "".join(subjects(app)))


async def test_escape_twice_discards_the_draft(config: Config) -> None:
    app = make_app(config)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_reply(app, pilot)
        await write_and_wait_for_the_save(app, pilot, config)
        await pilot.press("escape", "escape")
        await settle(pilot, lambda: not isinstance(app.screen, ComposerScreen))
        assert saved_body(config) is None
        await pilot.press("r")
        await settle(pilot, lambda: isinstance(app.screen, ComposerScreen))
        assert TYPED not in body(app).text and "Draft restored" not in status(app)


async def test_closing_the_composer_keeps_the_draft_and_marks_the_e_mail(config: Config) -> None:
    app = make_app(config)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_reply(app, pilot)
        await write_and_wait_for_the_save(app, pilot, config)
        # The composer closed otherwise (another screen's way out, a crash of the screen).
        composer(app).dismiss(None)
        await settle(pilot, lambda: subjects(app) == [DRAFT_MARK + "Order question 1"])
        await pilot.press("R")  # reply all: the saved reply comes back, as a reply
        await settle(pilot, lambda: isinstance(app.screen, ComposerScreen))
        assert TYPED in body(app).text
        assert str(composer(app).query_one("#composer-title", Label).render()).startswith("Reply ·")


async def test_ctrl_n_twice_starts_over(config: Config) -> None:
    app = make_app(config)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_reply(app, pilot)
        fresh = body(app).text
        await write_and_wait_for_the_save(app, pilot, config)
        composer(app).dismiss(None)
        await settle(pilot, lambda: not isinstance(app.screen, ComposerScreen))
        await pilot.press("r")
        await settle(
            pilot, lambda: isinstance(app.screen, ComposerScreen) and TYPED in body(app).text
        )
        await pilot.press("ctrl+n")
        await settle(pilot, lambda: "Press Ctrl+N again" in status(app))
        assert TYPED in body(app).text  # asked first
        await pilot.press("ctrl+n")
        await settle(pilot, lambda: body(app).text == fresh)
        await settle(pilot, lambda: saved_body(config) is None)
        assert "Draft restored" not in status(app)


async def test_quitting_and_keeping_the_e_mail_keeps_the_latest_words(
    config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(autosave, "SAVE_SECONDS", 600.0)  # no timed save: the quit saves
    app = make_app(config)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_reply(app, pilot)
        await pilot.press(*TYPED)
        await settle(pilot, lambda: TYPED in body(app).text)
        assert saved_body(config) is None
        await pilot.press("ctrl+q")
        await settle(pilot, lambda: isinstance(app.screen, QuitPrompt))
        await pilot.press("down", "enter")  # keep them in hand, then quit
        await settle(pilot, lambda: not app.is_running)
    assert TYPED in (saved_body(config) or "")


async def test_quitting_and_putting_back_drops_the_draft(config: Config) -> None:
    app = make_app(config)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_reply(app, pilot)
        await write_and_wait_for_the_save(app, pilot, config)
        await pilot.press("ctrl+q")
        await settle(pilot, lambda: isinstance(app.screen, QuitPrompt))
        await pilot.press("enter")  # put them back, then quit
        await settle(pilot, lambda: not app.is_running)
    assert saved_body(config) is None


async def test_a_new_e_mail_is_kept_for_its_group(config: Config) -> None:
    app = make_app(config)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, lambda: table(app).row_count == 1)
        await pilot.press("w")
        await settle(pilot, lambda: isinstance(app.screen, ComposerScreen))
        await pilot.press(*"x@example.org", "tab", "tab", *"Spring offer")
        await settle(pilot, lambda: saved(config, "new Sales", "subject") == "Spring offer")
    again = make_app(config)
    async with again.run_test(size=(100, 30)) as pilot:
        await settle(pilot, lambda: table(again).row_count == 1)
        await pilot.press("w")
        await settle(pilot, lambda: isinstance(again.screen, ComposerScreen))
        head = composer(again)
        await settle(
            pilot, lambda: head.query_one("#composer-subject", Input).value == "Spring offer"
        )
        assert head.query_one("#composer-to", Input).value == "x@example.org"


async def test_released_while_writing_nothing_is_kept_and_nothing_leaks(config: Config) -> None:
    app = make_app(config)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_reply(app, pilot)
        await write_and_wait_for_the_save(app, pilot, config)
        open_supervision(config, "carol", clock=lambda: NOW).release(1)
        assert saved_body(config) is None
        await pilot.press(*" More")
        await settle(pilot, lambda: autosave.NOT_KEPT in status(app))
        assert saved_body(config) is None
        await pilot.press("ctrl+s")  # still refused by the lifecycle, as before
        await settle(pilot, lambda: isinstance(app.screen, MovedOn))
