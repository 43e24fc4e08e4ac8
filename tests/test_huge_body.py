"""A huge body is shown as its first 256 KB, with keys to show all of it or save it (issue 14).

The consoles prepare a body in a worker thread (HTML to text, made inert, cut)
and paint only the lines on screen, so a 25 MB e-mail neither freezes the
agent's desk nor the supervisor's conversation view. No wall-clock time is
asserted here; ``bench/huge_body.py`` measures the key-to-frame times.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from textual.widgets import Input, Static

from engine.bootstrap import open_store
from engine.config import Config
from micc_tui.supervisor.conversation import ConversationScreen
from micc_tui.widgets.body_view import HEAD_CHARS, LIMIT, BodyView, prepare, prepare_text, wrap
from tests.agent_console_helpers import make_app, screen, settle, table
from tests.agent_fixtures import deliver, mail, workspace
from tests.supervisor_fixtures import app_for, wait_for

#: A line of the huge body; the body is this line repeated to 25 MB.
LINE = "Line {:07d} of the log the customer pasted into the e-mail body, word after word.\n"
SIZE = 25 * 1024 * 1024


def huge_text() -> str:
    count = SIZE // len(LINE.format(0)) + 1
    return "".join(LINE.format(n) for n in range(count))[:SIZE]


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Config:
    config = workspace(tmp_path_factory.mktemp("huge") / "ws")
    store = open_store(config)
    deliver(
        store,
        config,
        mail(1, subject="The whole log, ORDHUGE", body=huge_text()),
        mail(2, subject="A short one"),
    )
    store.close()
    return config


def cut_note(node: object) -> str:
    return str(node.render())  # type: ignore[attr-defined]


async def test_the_agent_sees_the_first_256_kb_and_can_show_all_or_save(
    config: Config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    app = make_app(config)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, lambda: table(app).row_count == 2 and screen(app).reading is not None)
        desk = screen(app)
        assert desk.reading is not None and desk.reading.message.subject.endswith("ORDHUGE")
        body = desk.query_one("#reading-body", BodyView)
        assert body.body.cut and 0 < body.body.shown <= LIMIT
        assert body.text.startswith("Line 0000000 of the log")
        note = desk.query_one("#reading-cut", Static)
        assert note.display
        words = cut_note(note)
        assert "Showing the first 255 KB of 25.0 MB" in words or "first 256 KB of 25.0 MB" in words
        assert "press m to show all, d to save it to a file" in words

        await pilot.press("d")  # the whole body, in the downloads folder
        saved = tmp_path / "Downloads" / f"e-mail-{desk.reading.message.id}.txt"
        await settle(pilot, lambda: saved.exists())
        whole = len(app.center.whole(desk.reading.message).body_text.encode())
        assert whole >= SIZE and saved.stat().st_size == whole

        await pilot.press("m")  # all of it, prepared off the UI thread
        await settle(pilot, lambda: not body.body.cut, timeout=60)
        assert body.body.shown == body.body.total == whole and not note.display
        assert body.body.lines[-1].startswith("Line ")

        await pilot.press("j")  # the short one: shown whole, no note
        await settle(pilot, lambda: "A short one" in desk.reading.message.subject)  # type: ignore[union-attr]
        assert not body.body.cut and not note.display


async def test_the_supervisor_sees_the_beginning_in_the_conversation(config: Config) -> None:
    app = app_for(config)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("6")
        app.query_one("#search", Input).focus()
        await pilot.press(*"ORDHUGE", "enter")
        await wait_for(pilot, lambda: app.query_one("#hits").row_count == 1)  # type: ignore[attr-defined]
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConversationScreen))
        view = app.screen
        await wait_for(pilot, lambda: len(view.query(BodyView)) == 1)
        body = view.query_one(BodyView)
        assert body.body.cut and body.body.shown <= LIMIT
        assert "press m to show all, d to save" in cut_note(view.query_one(".message-cut"))
        await pilot.press("m")
        await wait_for(pilot, lambda: not view.query_one(BodyView).body.cut, timeout=60)


def test_a_body_is_cut_on_a_line_within_the_limit_and_wrapped_by_words() -> None:
    text = huge_text()[: 3 * LIMIT]
    body = prepare_text(text)
    assert body.cut and body.shown <= LIMIT and body.total == 3 * LIMIT
    assert all(line.startswith("Line ") for line in body.lines)  # cut after a whole line
    assert wrap("one two three four", 9) == ["one two", "three", "four"]
    assert wrap("abcdefghij", 4) == ["abcd", "efgh", "ij"]
    assert wrap("日本語のテキスト", 6) == ["日本語", "のテキ", "スト"]
    assert prepare_text("a\x1b[2J\u202eb\r\nc\u2028d").lines == ("a\\x1b[2J\\u202eb", "c\\u2028d")


def test_a_head_is_shown_as_its_whole_would_be(config: Config) -> None:
    """The beginning read from the archive gives the body the whole message gives."""
    from engine import archive

    store = open_store(config)
    try:
        ids = [row[0] for row in store.query("SELECT id FROM messages ORDER BY id")]
        for message_id in ids:
            whole = archive.get(store, message_id)
            head = archive.head(store, message_id, HEAD_CHARS)
            assert whole is not None and head is not None and not head.whole
            assert prepare(head) == prepare(whole)
            with pytest.raises(ValueError):
                prepare(head, limit=None)
        short = archive.head(store, ids[-1], HEAD_CHARS)
        assert short is not None and short.body_bytes == (
            len(short.body_text.encode()),
            len(short.body_html.encode()),
        )
    finally:
        store.close()


def test_an_html_only_head_is_shown_as_its_whole_would_be(tmp_path: Path) -> None:
    from engine import archive

    config = workspace(tmp_path / "ws")
    store = open_store(config)
    try:
        rows = "".join(
            f"<p>Row {n:06d} of the <b>report</b> &amp; more</p>\n" for n in range(40000)
        )
        deliver(
            store,
            config,
            mail(1, body="", html=f"<html><body>{rows}</body></html>"),
            mail(2, body="", html="<p>Dear team, a <i>short</i> one.</p>"),
            mail(3, body=" \n", html="<p>Only whitespace in the text part.</p>"),
        )
        ids = [row[0] for row in store.query("SELECT id FROM messages ORDER BY id")]
        assert len(ids) == 3
        for message_id in ids:
            whole = archive.get(store, message_id)
            head = archive.head(store, message_id, HEAD_CHARS)
            assert whole is not None and head is not None
            assert prepare(head) == prepare(whole)
        big = prepare(archive.head(store, ids[0], HEAD_CHARS))  # type: ignore[arg-type]
        # The HTML was made text when the message was archived (engine.mail.html):
        # the reading pane shows that text, its paragraphs kept.
        assert big.cut and big.lines[:3] == (
            "Row 000000 of the report & more",
            "",
            "Row 000001 of the report & more",
        )
        # A message archived before that (a blank text part) is converted when shown, alike.
        whole = archive.get(store, ids[0])
        assert whole is not None
        legacy = prepare(dataclasses.replace(whole, body_text="\n"))
        assert legacy.html and legacy.lines[:200] == big.lines[:200]
        assert not prepare(archive.head(store, ids[1], HEAD_CHARS)).cut  # type: ignore[arg-type]
    finally:
        store.close()
