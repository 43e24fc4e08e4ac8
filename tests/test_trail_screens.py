"""Both consoles show the trail of the selected conversation (key ``i``).

The trail is the conversation's events in words (who took, released,
transferred, replied, with times) and its internal notes; text from the
e-mail or a note stays inert.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable

from engine.bootstrap import open_store
from engine.config import Config
from engine.service import open_contact_center
from engine.supervision import open_supervision
from micc_tui.widgets.trail import TrailScreen
from tests.agent_console_helpers import make_app, settle, table
from tests.agent_fixtures import deliver, hold, mail, workspace
from tests.supervisor_fixtures import app_for, populate, wait_for


@pytest.fixture
def config(tmp_path: Path) -> Config:
    config = workspace(tmp_path / "ws")
    with open_store(config) as store:
        deliver(store, config, mail(1, to="Solidus.Support@seclab.com"))
    bob, carol = open_contact_center(config, "bob"), open_supervision(config, "carol")
    hold(bob, 1)
    carol.release(1)
    bob.add_note(1, "Customer called: [bold]urgent[/bold] \x1b[2J")
    bob.close()
    carol.close()
    return config


def trail_text(screen: TrailScreen) -> str:
    return str(screen.query_one("#trail-text").render())


async def test_the_agent_sees_who_did_what_and_the_notes(config: Config) -> None:
    app = make_app(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, lambda: table(app).row_count >= 1)
        await pilot.press("2")
        await settle(pilot, lambda: table(app).row_count >= 1)
        await pilot.press("i")
        await settle(pilot, lambda: isinstance(app.screen, TrailScreen))
        assert isinstance(app.screen, TrailScreen)
        text = trail_text(app.screen)
        lines = text.splitlines()
        assert lines[0].startswith("E-mail received at ")
        assert any(line.startswith("Taken by Bob Jones at ") for line in lines)
        assert any(line.startswith("Released by Carol White at ") for line in lines)
        assert "Internal notes:" in text
        assert "Customer called: [bold]urgent[/bold]" in text
        assert "\x1b" not in text
        await pilot.press("escape")
        await settle(pilot, lambda: not isinstance(app.screen, TrailScreen))


async def test_the_supervisor_sees_the_trail_from_agents_review_and_archive(
    tmp_path: Path,
) -> None:
    config = workspace(tmp_path / "sv")
    with open_store(config) as store:
        populate(store, config)
    app = app_for(config)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("5")
        hand = app.query_one("#in-hand", DataTable)
        await wait_for(pilot, lambda: hand.row_count == 1)
        hand.focus()
        await pilot.press("i")
        await wait_for(pilot, lambda: isinstance(app.screen, TrailScreen))
        assert isinstance(app.screen, TrailScreen)
        assert "Taken by Alice Smith at " in trail_text(app.screen)
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, TrailScreen))

        await pilot.press("3")
        reviews = app.query_one("#reviews", DataTable)
        await wait_for(pilot, lambda: reviews.row_count == 1)
        reviews.focus()
        await pilot.press("i")
        await wait_for(pilot, lambda: isinstance(app.screen, TrailScreen))
        assert isinstance(app.screen, TrailScreen)
        text = trail_text(app.screen)
        assert "Taken by Bob Jones at " in text
        assert "Answered by Bob Jones at " in text and "; the reply waits for review" in text
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, TrailScreen))

        await pilot.press("6")
        await pilot.press("slash")
        await pilot.press(*"ORD-054321", "enter")
        hits = app.query_one("#hits", DataTable)
        await wait_for(pilot, lambda: hits.row_count == 1)
        await pilot.press("i")
        await wait_for(pilot, lambda: isinstance(app.screen, TrailScreen))
        assert isinstance(app.screen, TrailScreen)
        assert trail_text(app.screen).startswith("E-mail received at ")
