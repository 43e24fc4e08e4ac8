"""Writing aids as a new user met them (issue 15, items 10, 11 and 15).

Spelling in the composer (Ctrl+L with one dictionary, the suggestions
status, forwarded and quoted text left alone), attachment sizes that are the
sizes saved, and the response tree that filters as the agent types.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from engine import archive
from engine.bootstrap import open_store
from engine.config import Config
from engine.mail.parse import parse_message
from engine.responses import Node, Response, parse_text
from engine.spelling.tokenize import tokenize
from engine.store import Store
from micc_tui.agent import AgentApp
from micc_tui.agent.composer import ComposerScreen
from micc_tui.agent.pickers import ResponsePicker, SuggestionPicker
from micc_tui.agent.spell_area import SpellTextArea
from tests.agent_console_helpers import make_app, screen, settle, table
from tests.agent_fixtures import deliver, mail, workspace

GERMAN = (
    "Guten Tag,\n"
    "meine Bestellung ist noch nicht angekommen. Die Sendung steckt seit drei Tagen\n"
    "im Verteilzentrum fest, und niemand antwortet auf meine Nachfragen.\n"
    "Mit freundlichen Grüßen\nJürgen Weiß\n"
)
#: 393 bytes that base64 writes on 7 lines: the old estimate said 398.
PAYLOAD = bytes(range(256)) + bytes(range(137))


@pytest.fixture
def config(tmp_path: Path) -> Config:
    config = workspace(tmp_path / "ws")
    store = open_store(config)
    deliver(
        store,
        config,
        mail(1, body=GERMAN, name="Jürgen Weiß"),
        mail(2, attachment=("data.bin", PAYLOAD)),
    )
    store.close()
    return config


async def composer_for(app: AgentApp, pilot: object, key: str) -> ComposerScreen:
    """Take the first e-mail in hand (n) and open the composer on it with ``key``."""
    await settle(pilot, lambda: table(app).row_count == 2)  # type: ignore[arg-type]
    await pilot.press("n")  # type: ignore[attr-defined]
    await settle(pilot, lambda: table(app).row_count == 1)  # type: ignore[arg-type]
    await pilot.press(key)  # type: ignore[attr-defined]
    await settle(pilot, lambda: isinstance(app.screen, ComposerScreen))  # type: ignore[arg-type]
    assert isinstance(app.screen, ComposerScreen)
    return app.screen


def body(composer: ComposerScreen) -> SpellTextArea:
    return composer.query_one("#composer-body", SpellTextArea)


def status(composer: ComposerScreen) -> str:
    return str(composer.query_one("#composer-status").render())


# -- item 10: spelling --------------------------------------------------------------


async def test_ctrl_l_says_when_no_other_dictionary_is_installed(config: Config) -> None:
    app = make_app(config)
    async with app.run_test(size=(120, 30)) as pilot:
        composer = await composer_for(app, pilot, "r")
        assert app.center.spelling_cultures() == ["en-US"]  # only the shipped one
        await pilot.press("ctrl+l")
        await settle(pilot, lambda: "Only en-US is installed" in status(composer))
        assert "micc spelling install" in status(composer)
        assert composer.culture == "en-US"


async def test_looking_for_suggestions_clears_once_they_are_shown(config: Config) -> None:
    app = make_app(config)
    async with app.run_test(size=(120, 30)) as pilot:
        composer = await composer_for(app, pilot, "r")
        await pilot.press(*"We recieved it ")
        await settle(pilot, lambda: any(m.word == "recieved" for m in body(composer).marked))
        await pilot.press("f7")
        await settle(pilot, lambda: isinstance(app.screen, SuggestionPicker))
        await pilot.pause()
        assert "Looking for suggestions" not in status(composer)
        assert "1 misspelled" in status(composer)


async def test_a_forwarded_german_email_is_not_checked(config: Config) -> None:
    app = make_app(config)
    async with app.run_test(size=(120, 30)) as pilot:
        composer = await composer_for(app, pilot, "f")
        assert "Verteilzentrum" in body(composer).text  # the German e-mail is forwarded
        assert composer.culture == "en-US"
        body(composer).focus()  # a forward opens in To
        # A misspelling of the agent's own proves the whole body has been checked.
        await pilot.press(*"Plese have a look ")
        await settle(pilot, lambda: any(m.word == "Plese" for m in body(composer).marked))
        assert [m.word for m in body(composer).marked] == ["Plese"]
        assert "1 misspelled" in status(composer)


async def test_a_quoted_german_email_is_not_checked(config: Config) -> None:
    app = make_app(config)
    async with app.run_test(size=(120, 30)) as pilot:
        composer = await composer_for(app, pilot, "r")
        assert "> meine Bestellung" in body(composer).text
        await pilot.press(*"Plese wait ")
        await settle(pilot, lambda: any(m.word == "Plese" for m in body(composer).marked))
        assert [m.word for m in body(composer).marked] == ["Plese"]


def words(text: str) -> list[str]:
    return [t.word for t in tokenize(text)]


@pytest.mark.parametrize(
    "marker",
    [
        "---------- Forwarded message ----------",
        "-----Original Message-----",
        "Begin forwarded message:",
    ],
)
def test_a_forwarded_message_is_skipped_to_the_end(marker: str) -> None:
    text = f"Plese see below.\n\n{marker}\nFrom: Jürgen <j@example.org>\n\nGuten Tag\n"
    assert words(text) == ["Plese", "see", "below"]


def test_the_attribution_over_a_quote_is_skipped_and_text_after_it_is_not() -> None:
    text = "Thanks.\nOn Tuesday, Jürgn Weiß wrote:\n> Hallo\n>\n\nBest wishes:\nAnn\n"
    assert words(text) == ["Thanks", "Best", "wishes", "Ann"]


# -- item 11: attachment sizes ------------------------------------------------------


def test_an_attachment_is_listed_with_the_size_saving_writes() -> None:
    raw = mail(9, attachment=("data.bin", PAYLOAD))
    assert b"\n" in raw.split(b"filename")[1].strip()  # base64 on several lines
    [attachment] = parse_message(raw).attachments
    assert attachment.size == len(PAYLOAD) == 393


async def test_the_reading_pane_shows_the_size_that_is_saved(
    config: Config, tmp_path: Path
) -> None:
    app = make_app(config)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, lambda: table(app).row_count == 2)
        await pilot.press("end")
        await settle(
            pilot,
            lambda: (
                screen(app).reading is not None
                and screen(app).reading.message.subject == "Order question 2"  # type: ignore[union-attr]
            ),
        )
        shown = str(screen(app).query_one("#reading-attachments").render())
        message = screen(app).reading.message  # type: ignore[union-attr]
        saved = app.center.save_attachment(message.id, 1, tmp_path / "saved")
    assert "data.bin" in shown and "393 B" in shown
    assert os.path.getsize(saved) == 393


def attachment_row(store: Store) -> tuple[int, str, int]:
    row = store.query_one(
        "SELECT id, attachments_json, attachments_measured FROM messages "
        "WHERE attachments_json != '[]'"
    )
    assert row is not None
    return int(row[0]), str(row[1]), int(row[2])


def test_sizes_archived_before_are_measured_again_once(config: Config) -> None:
    """A store from before: its rows are flagged by the migration, mended when read."""
    with open_store(config) as store:
        archive_id, listed, _ = attachment_row(store)
        # The store as it was before migration 0007, holding the old estimate.
        with store.transaction() as conn:
            conn.execute("DROP INDEX messages_attachments_unmeasured")
            conn.execute("ALTER TABLE messages DROP COLUMN attachments_measured")
            conn.execute("DELETE FROM _migrations WHERE name = '0007_attachment_sizes'")
            conn.execute(
                "UPDATE messages SET attachments_json = ? WHERE id = ?",
                (listed.replace('"size": 393', '"size": 398'), archive_id),
            )
    with open_store(config) as store:  # migrates again
        assert attachment_row(store)[2] == 0
        assert '"size": 398' in attachment_row(store)[1]
        message = archive.get(store, archive_id)
        assert message is not None and message.attachments[0]["size"] == 393
        assert message.attachments[0]["filename"] == "data.bin"
        _, listed, measured = attachment_row(store)
        assert measured == 1 and '"size": 393' in listed
        others = store.query_one("SELECT count(*) FROM messages WHERE attachments_measured = 0")
        assert others is not None and others[0] == 0  # the mail without attachments too


# -- item 15: the response tree filters as the agent types --------------------------


def leaves(node: TreeNode[Node]) -> list[str]:
    found = []
    for child in node.children:
        if isinstance(child.data, Response):
            found.append(child.data.title)
        found.extend(leaves(child))
    return found


async def test_the_response_tree_filters_as_you_type(config: Config) -> None:
    app = make_app(config)
    async with app.run_test(size=(120, 30)) as pilot:
        composer = await composer_for(app, pilot, "r")
        await pilot.press("ctrl+r")
        await settle(pilot, lambda: isinstance(app.screen, ResponsePicker))
        picker = app.screen
        tree: Tree[Node] = picker.query_one("#response-tree", Tree)
        everything = leaves(tree.root)
        assert len(everything) > 5
        await pilot.press(*"cancel")
        await settle(pilot, lambda: leaves(tree.root) != everything)
        assert leaves(tree.root) == ["Change or cancel an order"]
        await settle(
            pilot, lambda: "free of charge" in str(picker.query_one("#response-preview").render())
        )
        await pilot.press("enter")
        await settle(pilot, lambda: "canceled free of charge" in body(composer).text)


async def test_a_filter_without_a_match_says_so_and_backspace_widens_it(config: Config) -> None:
    app = make_app(config)
    async with app.run_test(size=(120, 30)) as pilot:
        composer = await composer_for(app, pilot, "r")
        await pilot.press("ctrl+r")
        await settle(pilot, lambda: isinstance(app.screen, ResponsePicker))
        picker = app.screen
        tree: Tree[Node] = picker.query_one("#response-tree", Tree)
        everything = leaves(tree.root)
        await pilot.press(*"volzz")
        preview = picker.query_one("#response-preview")
        await settle(pilot, lambda: "No response holds “volzz”" in str(preview.render()))
        assert leaves(tree.root) == []
        await pilot.press("enter")  # nothing to insert: the picker stays
        assert app.screen is picker
        await pilot.press("backspace", "backspace")
        # "vol" is in the shortcuts vol10 and vol100, and in the category over all three.
        expected = ["10 to 99 units", "100 units or more", "Schools and non-profit organizations"]
        await settle(pilot, lambda: leaves(tree.root) == expected)
        assert leaves(tree.root) != everything
        await pilot.press("down", "enter")  # the second: Up and Down move in the tree
        await settle(pilot, lambda: "individual offer" in body(composer).text)


def test_matching_keeps_categories_over_what_matches() -> None:
    tree = parse_text(
        "# Orders\n## Refund issued\nshortcut: refund\nYour money is back.\n"
        "## Delivery\nOn its way.\n# Closing\n## Case resolved\nGlad it is SOLVED.\n"
    ).tree
    assert tree is not None
    assert [n.title for n in tree.matching("")] == ["Orders", "Closing"]
    [orders] = tree.matching("REFU money")  # title and body, any case, part of a word
    assert [c.title for c in orders.children] == ["Refund issued"]  # type: ignore[union-attr]
    assert [n.title for n in tree.matching("orders way")] == ["Orders"]  # a category's title
    assert [n.title for n in tree.matching("solved")] == ["Closing"]
    assert tree.matching("refund solved") == ()
