"""The composer of an e-mail that moved on: the reply is refused, told, and kept.

alice opens a reply; meanwhile the supervisor releases the e-mail, bob takes
it and answers. alice's Ctrl+S sends nothing: the composer says who did what,
and she keeps her text (as an internal note, on the clipboard, or to go on
editing), or discards it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from engine import notes, outbox
from engine.bootstrap import open_store
from engine.config import Config
from engine.service import open_contact_center
from engine.supervision import open_supervision
from micc_tui.agent import AgentApp
from micc_tui.agent.composer import ComposerScreen
from micc_tui.agent.spell_area import SpellTextArea
from micc_tui.widgets.trail import MovedOn
from tests.agent_console_helpers import make_app, settle, table
from tests.agent_fixtures import deliver, mail, workspace


@pytest.fixture
def config(tmp_path: Path) -> Config:
    config = workspace(tmp_path / "ws")
    with open_store(config) as store:
        deliver(store, config, mail(1, to="Solidus.Support@seclab.com"))
    return config


async def stale_reply(app: AgentApp, pilot: object, config: Config) -> ComposerScreen:
    """alice's composer open on an e-mail that carol released and bob answered."""
    await settle(pilot, lambda: table(app).row_count >= 1)  # type: ignore[arg-type]
    await pilot.press("n")  # type: ignore[attr-defined]
    await settle(pilot, lambda: table(app).row_count == 1)  # type: ignore[arg-type]
    await pilot.press("r")  # type: ignore[attr-defined]
    await settle(pilot, lambda: isinstance(app.screen, ComposerScreen))  # type: ignore[arg-type]
    composer = app.screen
    assert isinstance(composer, ComposerScreen)
    carol, bob = open_supervision(config, "carol"), open_contact_center(config, "bob")
    carol.release(1)
    assert bob.take_next() is not None
    bob.send(bob.draft(1, "reply").edited(body="Bob's answer\n"))
    carol.close()
    bob.close()
    composer.query_one("#composer-body", SpellTextArea).insert("Alice's own words. ")
    await pilot.press("ctrl+s")  # type: ignore[attr-defined]
    await settle(pilot, lambda: isinstance(app.screen, MovedOn))  # type: ignore[arg-type]
    return composer


def replies(config: Config) -> list[str | None]:
    with open_store(config) as store:
        return [r.agent_id for r in outbox.listing(store)]


async def test_the_stale_reply_is_refused_and_told_and_kept_as_a_note(config: Config) -> None:
    app = make_app(config)
    async with app.run_test(size=(100, 30)) as pilot:
        composer = await stale_reply(app, pilot, config)
        dialog = app.screen
        told = " ".join(str(w.render()) for w in dialog.query("Static"))
        assert "It is answered by Bob Jones now." in told
        assert "Released by Carol White at " in told and "answered by Bob Jones at " in told
        assert "Nothing was sent" in told
        assert "Not sent: released by Carol White" in str(
            composer.query_one("#composer-status").render()
        )
        await pilot.press("n")
        await settle(pilot, lambda: not isinstance(app.screen, (MovedOn, ComposerScreen)))
    assert replies(config) == ["bob"]
    with open_store(config) as store:
        [note] = notes.of_conversation(store, 1)
    assert note.agent_id == "alice" and "Alice's own words." in note.body


async def test_back_keeps_the_text_and_copy_puts_it_on_the_clipboard(config: Config) -> None:
    app = make_app(config)
    async with app.run_test(size=(100, 30)) as pilot:
        composer = await stale_reply(app, pilot, config)
        await pilot.press("escape")
        await settle(pilot, lambda: app.screen is composer)
        text = composer.query_one("#composer-body", SpellTextArea).text
        assert "Alice's own words." in text
        await pilot.press("ctrl+s")  # still refused, still kept
        await settle(pilot, lambda: isinstance(app.screen, MovedOn))
        await pilot.press("c")
        await settle(pilot, lambda: app.screen is composer)
        assert app.clipboard == text
        await pilot.press("ctrl+s")
        await settle(pilot, lambda: isinstance(app.screen, MovedOn))
        await pilot.press("d")
        await settle(pilot, lambda: not isinstance(app.screen, (MovedOn, ComposerScreen)))
    assert replies(config) == ["bob"]
    with open_store(config) as store:
        assert notes.of_conversation(store, 1) == []
