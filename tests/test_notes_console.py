"""Internal notes from both consoles (key ``N``): kept, in the trail, found by staff search.

A note is for colleagues: it is never in a reply's quote nor in what leaves.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable, Static

from engine import audit, notes
from engine.bootstrap import open_store
from engine.config import Config
from engine.errors import Refused
from engine.service import open_contact_center
from engine.supervision import open_supervision
from micc_tui.widgets.note_dialog import NoteScreen
from tests.agent_console_helpers import make_app, settle, table
from tests.agent_fixtures import deliver, mail, workspace
from tests.supervisor_fixtures import app_for, populate, wait_for

#: A note that would be markup and a screen-clearing escape if trusted.
WORDS = "Called her: [bold]wants 40 units[/bold] \x1b[2J by Friday"


@pytest.fixture
def config(tmp_path: Path) -> Config:
    config = workspace(tmp_path / "ws")
    with open_store(config) as store:
        deliver(store, config, mail(1), mail(2))
    return config


def kept(config: Config, conversation: int) -> list[notes.Note]:
    with open_store(config) as store:
        return notes.of_conversation(store, conversation)


def status(screen: NoteScreen) -> str:
    return str(screen.query_one("#note-status", Static).render())


async def test_the_agent_writes_a_note_on_the_highlighted_e_mail(config: Config) -> None:
    app = make_app(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, lambda: table(app).row_count == 2)
        await pilot.press("N")
        await settle(pilot, lambda: isinstance(app.screen, NoteScreen))
        # An empty note is refused in the dialog.
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, NoteScreen)
        assert "The note is empty" in status(app.screen)
        app.screen.query_one("#note-text").insert(WORDS)  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await settle(pilot, lambda: bool(kept(config, 1)))
        [note] = kept(config, 1)
        assert note.body == WORDS and note.agent_id == "alice"
        assert not kept(config, 2)
        # Only a note: the e-mail stays where it was, nobody took it.
        assert table(app).row_count == 2
        with open_store(config) as store:
            kinds = [e.kind for e in audit.trail(store, 1)]
        assert kinds == ["received", "note_added"]
        # Never in a reply's quote.
        center = open_contact_center(config, "alice")
        try:
            center.take(1)
            assert "wants 40 units" not in center.draft(1, "reply").body
        finally:
            center.close()


async def test_escape_with_words_asks_once_before_dropping_the_note(config: Config) -> None:
    app = make_app(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, lambda: table(app).row_count == 2)
        await pilot.press("N")
        await settle(pilot, lambda: isinstance(app.screen, NoteScreen))
        await pilot.press(*"keep me")
        await pilot.press("escape")
        assert isinstance(app.screen, NoteScreen)
        assert "Esc again drops this note" in status(app.screen)
        await pilot.press("escape")
        await settle(pilot, lambda: not isinstance(app.screen, NoteScreen))
    assert not kept(config, 1)


async def test_an_agent_cannot_note_an_e_mail_outside_their_groups(config: Config) -> None:
    center = open_contact_center(config, "alice")
    with open_store(config) as store:
        deliver(store, config, mail(3, to="Solidus.Marketing@seclab.com"), start=2)
    try:
        with pytest.raises(Refused):
            center.add_note(3, "not mine")
    finally:
        center.close()
    assert not kept(config, 3)


def note_hits(app_table: DataTable[object]) -> list[list[object]]:
    rows = [app_table.get_row_at(i) for i in range(app_table.row_count)]
    return [row for row in rows if str(row[1]) == "note"]


async def test_the_supervisor_notes_from_a_tab_and_finds_notes_in_the_archive(
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
        await pilot.press("N")
        await wait_for(pilot, lambda: isinstance(app.screen, NoteScreen))
        app.screen.query_one("#note-text").insert("Escalate: [red]VIP[/red] customer")  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: bool(kept(config, 7)))
        [note] = kept(config, 7)
        assert note.agent_id == "carol"

        # Staff search finds the note (any case), beside the e-mails.
        await pilot.press("6")
        await pilot.press("slash")
        await pilot.press(*"vip ESCALATE", "enter")
        hits = app.query_one("#hits", DataTable)
        await wait_for(pilot, lambda: hits.row_count == 1)
        [row] = note_hits(hits)
        assert "Escalate: [red]VIP[/red] customer" in str(row[3])
        assert "Carol" in str(row[2])
        assert "1 of them notes" in str(app.query_one("#hits-status", Static).render())


def test_notes_search_takes_like_wildcards_literally(config: Config) -> None:
    with open_store(config) as store:
        notes.add(store, 1, "alice", "code a_b off promised")
        notes.add(store, 2, "alice", "code axb off promised")
        found = notes.search(store, "a_b", limit=10)
        assert [n.conversation_id for n in found] == [1]
        assert [n.conversation_id for n in notes.search(store, "/AXB.", limit=10)] == [2]
        assert [n.conversation_id for n in notes.search(store, "off PROMISED", limit=10)] == [2, 1]
        assert notes.search(store, "   ", limit=10) == []


def test_a_supervisor_note_needs_a_conversation(config: Config) -> None:
    carol = open_supervision(config, "carol")
    try:
        with pytest.raises(Refused):
            carol.add_note(99, "nowhere")
    finally:
        carol.close()
