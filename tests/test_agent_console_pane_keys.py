"""Mail-client habits at the desk: g / G, and / in the reading pane (issue 15, item 14).

``g`` / ``G`` go to the first / last e-mail of the queue and to the top /
bottom of the e-mail read; ``/`` in the reading pane searches the e-mail shown
(``n`` / ``N`` next / previous, Esc closes), highlighting by style only.
"""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from rich.segment import Segment
from textual import events
from textual.pilot import Pilot
from textual.widgets import Input

from engine.bootstrap import open_store
from engine.config import Config
from micc_tui.agent import AgentApp
from micc_tui.agent.panes import ReadingPane
from micc_tui.widgets.body_search import MATCH_LIMIT, Match, SearchBar, find
from micc_tui.widgets.body_view import BodyView, size_words, wrap, wrap_spans
from tests.agent_console_helpers import make_app, screen, settle, table
from tests.agent_fixtures import deliver, fix_received, mail, workspace

#: The first e-mail's body: 200 numbered lines, "Refund please" on every 20th from line 5.
LONG_BODY = "".join(
    f"line {n:03d} of the e-mail{' Refund please' if n % 20 == 5 else ''}\n" for n in range(200)
)
#: The places "refund" is found: the subject, then ten lines of the body.
REFUNDS = 11


@pytest.fixture
def config(tmp_path: Path) -> Config:
    config = workspace(tmp_path / "ws")
    store = open_store(config)
    deliver(
        store,
        config,
        mail(1, subject="Refund for order 1", body=LONG_BODY),
        mail(2),
        mail(3, subject="Order question [red]3[/red]", body="Alarm: [red]alarm[/red] \x1b[31m!\n"),
    )
    fix_received(store)
    store.close()
    return config


def pane(app: AgentApp) -> ReadingPane:
    return screen(app).query_one("#reading", ReadingPane)


def bar(app: AgentApp) -> SearchBar:
    return screen(app).query_one("#reading-search", SearchBar)


def shown(app: AgentApp) -> str:
    """What the terminal shows."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def segments(app: AgentApp) -> list[Segment]:
    return [s for strip in app.screen._compositor.render_strips() for s in strip]


def highlighted(app: AgentApp, *, whole_body: bool = False) -> tuple[list[str], list[str]]:
    """The texts painted as places found, and as the current place: on screen, or in the body."""
    body = pane(app).query_one(BodyView)
    found = body.get_component_rich_style("body-view--match", partial=True).bgcolor
    here = body.get_component_rich_style("body-view--current", partial=True).bgcolor
    painted = (
        [s for y in range(body.virtual_size.height) for s in body.render_line(y)]
        if whole_body
        else segments(app)
    )
    marked = [(s.text, s.style.bgcolor) for s in painted if s.style is not None]
    return [t for t, bg in marked if bg == found], [t for t, bg in marked if bg == here]


async def key(app: AgentApp, pilot: Pilot[Any], name: str, character: str | None = None) -> None:
    """One key as a terminal sends it (Pilot's press would wait for a scroll to glide)."""
    app.post_message(events.Key(name, character))
    await pilot.pause()


async def open_desk(app: AgentApp, pilot: Pilot[Any]) -> None:
    await settle(pilot, lambda: table(app).row_count == 3 and screen(app).reading is not None)


async def read(app: AgentApp, pilot: Pilot[Any], row: int) -> None:
    """Highlight ``row`` of the queue, wait for it in the reading pane, then focus the pane."""
    table(app).cursor = row
    key_shown = table(app).cursor_key
    await settle(
        pilot,
        lambda: (
            screen(app).reading is not None
            and screen(app).reading.message.conversation_id == key_shown  # type: ignore[union-attr]
        ),
    )
    pane(app).focus()
    await pilot.pause()


async def test_g_and_G_go_to_the_first_and_last_e_mail_of_the_queue(config: Config) -> None:
    app = make_app(config)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_desk(app, pilot)
        assert app.focused is table(app) and table(app).cursor == 0
        await pilot.press("G")
        assert table(app).cursor == 2
        await pilot.press("g")
        assert table(app).cursor == 0
        await pilot.press("end")  # Home and End still do it
        assert table(app).cursor == 2
        await pilot.press("home")
        assert table(app).cursor == 0
        # Typed into the filter box, g and G are letters.
        await pilot.press("slash", "G", "g")
        box = screen(app).query_one("#filter", Input)
        assert app.focused is box and box.value == "Gg"


async def test_g_and_G_go_to_the_top_and_bottom_of_the_e_mail(config: Config) -> None:
    app = make_app(config)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_desk(app, pilot)
        await read(app, pilot, 0)
        reading = pane(app)
        assert reading.max_scroll_y > 100 and reading.scroll_y == 0
        await key(app, pilot, "G", "G")  # at once, not gliding there
        assert reading.scroll_y == reading.max_scroll_y
        assert "line 199 of the e-mail" in shown(app)
        await key(app, pilot, "g", "g")
        assert reading.scroll_y == 0
        assert "Subject: Refund for order 1" in shown(app)
        await key(app, pilot, "end")
        assert reading.scroll_y == reading.max_scroll_y
        await key(app, pilot, "home")
        assert reading.scroll_y == 0
        assert table(app).cursor == 0  # the queue stayed where it was


async def test_slash_searches_the_e_mail_read_and_n_N_go_through_the_places(
    config: Config,
) -> None:
    app = make_app(config)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_desk(app, pilot)
        await read(app, pilot, 0)
        await pilot.press("slash")
        search = bar(app)
        assert search.active and isinstance(app.focused, Input)
        await pilot.press(*"refund")
        await settle(pilot)
        # Ignoring case; the subject's is the first place.
        assert search.count_text == f"1 of {REFUNDS}"
        assert highlighted(app)[1] == ["Refund"]
        # Every place in the body is highlighted too (those off screen when painted).
        assert highlighted(app, whole_body=True) == (["Refund"] * (REFUNDS - 1), [])
        await pilot.press("enter")  # back to the text, the search kept
        assert app.focused is pane(app) and search.active
        reading = pane(app)
        tops = []
        for place in range(2, REFUNDS + 1):
            await pilot.press("n")
            assert search.count_text == f"{place} of {REFUNDS}"
            line = 5 + 20 * (place - 2)
            assert f"line {line:03d} of the e-mail Refund please" in shown(app)
            assert highlighted(app)[1] == ["Refund"]
            tops.append(reading.scroll_y)
        assert tops == sorted(tops) and tops[-1] > tops[0]
        await pilot.press("n")  # round the end, to the first again
        assert search.count_text == f"1 of {REFUNDS}"
        assert reading.scroll_y == 0
        await pilot.press("N")  # and back round to the last
        assert search.count_text == f"{REFUNDS} of {REFUNDS}"
        assert "line 185 of the e-mail Refund please" in shown(app)
        await pilot.press("shift+enter", "shift+enter")
        assert search.count_text == f"{REFUNDS - 2} of {REFUNDS}"
        await pilot.press("enter")
        assert search.count_text == f"{REFUNDS - 1} of {REFUNDS}"
        # Esc closes the search: no highlight left, and n is the desk's again.
        await pilot.press("escape")
        assert not search.active and highlighted(app) == ([], [])
        assert highlighted(app, whole_body=True) == ([], [])
        assert app.focused is pane(app)
        assert not pane(app).check_action("next_match", ())


async def test_not_found_and_keys_typed_into_the_search_are_letters(config: Config) -> None:
    app = make_app(config)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_desk(app, pilot)
        await read(app, pilot, 0)
        await pilot.press("slash", *"gnGN/")
        search = bar(app)
        assert search.query_one(Input).value == "gnGN/"
        assert search.count_text == "not found"
        assert pane(app).scroll_y == 0 and table(app).cursor == 0
        assert screen(app).snapshot is not None and not screen(app).snapshot.in_hand
        # Esc in the field closes it; / opens it again, empty.
        await pilot.press("escape")
        assert not search.active and app.focused is pane(app)
        await pilot.press("slash")
        assert search.active and search.query_one(Input).value == ""


async def test_the_search_follows_the_e_mail_shown(config: Config) -> None:
    app = make_app(config)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_desk(app, pilot)
        await read(app, pilot, 0)
        await pilot.press("slash", *"order", "enter")
        search = bar(app)
        assert search.count_text == "1 of 1"  # "Refund for order 1"
        await read(app, pilot, 1)  # "Order question 2", "where is order 2?"
        await settle(pilot, lambda: search.count_text == "1 of 2")


async def test_a_search_term_is_never_markup_nor_an_escape(config: Config) -> None:
    app = make_app(config)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_desk(app, pilot)
        await read(app, pilot, 2)
        assert "Alarm: [red]alarm[/red] \\x1b[31m!" in shown(app)
        await pilot.press("slash", *"[red]")
        search = bar(app)
        assert search.count_text == "1 of 2"  # the subject's and the body's, literally
        assert highlighted(app) == (["[red]"], ["[red]"])
        assert "Alarm: [red]alarm[/red]" in shown(app)
        # A pasted escape character is written as the body shows it, and found there.
        field = search.query_one(Input)
        field.value = ""
        field.post_message(events.Paste("\x1b[31m"))
        await settle(pilot, lambda: search.count_text == "1 of 1")
        assert field.value == "\\x1b[31m"
        assert highlighted(app)[1] == ["\\x1b[31m"]
        assert not any("\x1b" in s.text for s in segments(app))


#: A body longer than the 256 KB shown at first; the word looked for is past that.
CUT_BODY = "".join(f"log line {n:06d}: nothing happened\n" for n in range(9000)) + "NEEDLE\n"


@pytest.fixture
def cut_config(tmp_path: Path) -> Config:
    config = workspace(tmp_path / "ws")
    store = open_store(config)
    deliver(store, config, mail(1, subject="The whole log", body=CUT_BODY))
    fix_received(store)
    store.close()
    return config


async def test_a_cut_body_is_searched_in_what_is_shown_and_says_so(cut_config: Config) -> None:
    assert len(CUT_BODY.encode()) > 256 * 1024
    app = make_app(cut_config)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot, lambda: screen(app).reading is not None)
        pane(app).focus()
        await pilot.press("slash", *"needle")
        search = bar(app)
        await settle(pilot, lambda: search.count_text.startswith("not found"))
        shown_size = size_words(pane(app).query_one(BodyView).body.shown)
        assert shown_size in ("255 KB", "256 KB")  # as the line above the body says
        assert search.count_text == f"not found in the first {shown_size}"
        # Every "e": more places than are counted.
        field = search.query_one(Input)
        field.value = "e"
        await settle(pilot, lambda: search.count_text.startswith("1 of"))
        assert search.count_text == f"1 of {MATCH_LIMIT}+ in the first {shown_size}"
        field.value = "needle"
        await settle(pilot, lambda: search.count_text.startswith("not found"))
        await pilot.press("enter", "m")  # show all: searched again
        await settle(pilot, lambda: search.count_text == "1 of 1")
        assert "NEEDLE" in shown(app)


def test_find_ignores_case_in_any_script_and_stops_past_the_limit() -> None:
    lines = ["Åsa Öberg wrote:", "ÅSA again, åsa", "nothing"]
    assert find([lines], "åsa") == [Match(0, 0, 0, 3), Match(0, 1, 0, 3), Match(0, 1, 11, 14)]
    assert find([lines], "a.b") == []  # as typed, not a pattern
    assert len(find([["e" * 50]], "e", limit=10)) == 11  # one more: "10+"
    assert find([lines], "") == []


def test_each_row_knows_where_it_is_in_its_line() -> None:
    """A place found is marked on the rows showing it: rows map back to the line exactly."""
    for line in (LONG_BODY.splitlines()[5] * 3, "日本語のテキスト " * 12, "x" * 95):
        spans = wrap_spans(line, 30)
        assert [line[a:b] for a, b in spans] == wrap(line, 30)
        assert spans[0][0] == 0 and not line[spans[-1][1] :].strip()
        for (_, end), (start, _) in pairwise(spans):
            assert start >= end and not line[end:start].strip()  # only the spaces broken at
