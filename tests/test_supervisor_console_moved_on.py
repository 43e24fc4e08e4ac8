"""Approving a reply whose conversation moved on: refused, told, the text kept.

bob's reply waits for review; the customer writes again. Approving would
answer only the first e-mail, so it is refused: the supervisor is told what
happened and keeps the reply's text (as a note, on the clipboard), and an
edit in progress stays open.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import TextArea

from engine import notes, outbox
from engine.bootstrap import open_store
from engine.config import Config
from engine.outbox import OutboxState
from engine.service import open_contact_center
from micc_tui.supervisor import SupervisorApp
from micc_tui.widgets.fit_table import FitTable
from micc_tui.widgets.trail import MovedOn
from tests.agent_fixtures import deliver, mail, workspace
from tests.supervisor_fixtures import app_for, wait_for


@pytest.fixture
def config(tmp_path: Path) -> Config:
    config = workspace(tmp_path / "ws")
    with open_store(config) as store:
        deliver(store, config, mail(1, to="Solidus.Marketing@seclab.com", subject="Brochure?"))
        bob = open_contact_center(config, "bob")
        assert bob.take_next() is not None
        bob.send(bob.draft(1, "reply").edited(body="The brochure is on its way.\n"))
        bob.close()
        deliver(store, config, b"In-Reply-To: <m1@example.org>\r\n" + mail(2), start=10)
    return config


async def open_review(app: SupervisorApp, pilot: object) -> FitTable:
    await pilot.press("3")  # type: ignore[attr-defined]
    reviews = app.query_one("#reviews", FitTable)
    await wait_for(pilot, lambda: reviews.row_count == 1)  # type: ignore[arg-type]
    return reviews


def reply_state(config: Config) -> str:
    with open_store(config) as store:
        row = outbox.get(store, 1)
    assert row is not None
    return row.state


async def test_approving_after_the_customer_wrote_again_is_refused_and_the_text_kept(
    config: Config,
) -> None:
    app = app_for(config)
    async with app.run_test(size=(120, 34)) as pilot:
        await open_review(app, pilot)
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, MovedOn))
        told = " ".join(str(w.render()) for w in app.screen.query("Static"))
        assert "The customer wrote again at " in told
        assert "It is pending review by Bob Jones now." in told
        await pilot.press("n")
        await wait_for(pilot, lambda: not isinstance(app.screen, MovedOn))
        with open_store(config) as store:
            await wait_for(pilot, lambda: bool(notes.of_conversation(store, 1)))
            [note] = notes.of_conversation(store, 1)
        assert note.agent_id == "carol" and "The brochure is on its way." in note.body
    assert reply_state(config) == OutboxState.REVIEW  # not approved, not sent


async def test_an_edit_refused_stays_open_to_copy_or_reject(config: Config) -> None:
    app = app_for(config)
    async with app.run_test(size=(120, 34)) as pilot:
        await open_review(app, pilot)
        await pilot.press("e")
        draft = app.query_one("#review-draft", TextArea)
        draft.load_text("Edited: brochure and price list.")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, MovedOn))
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, MovedOn))
        assert draft.text == "Edited: brochure and price list." and not draft.read_only
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, MovedOn))
        await pilot.press("c")
        await wait_for(pilot, lambda: not isinstance(app.screen, MovedOn))
        assert app.clipboard == "Edited: brochure and price list."
    assert reply_state(config) == OutboxState.REVIEW
