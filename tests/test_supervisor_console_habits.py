"""The supervisor console as a new supervisor uses it (issue 15, items 16 to 19).

Destructive keys ask first; Escape leaves the address tester and a long answer
shows whole; the Unrouted/failed tab previews the highlighted e-mail and Enter
opens it; Home and End in a conversation go to its first and last e-mail.
"""

from __future__ import annotations

from typing import Any

import pytest
from textual import events
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Static

from engine import outbox, queue
from engine.bootstrap import open_store
from engine.config import Config
from engine.store import Store
from micc_tui.supervisor import SupervisorApp
from micc_tui.supervisor.conversation import ConversationScreen
from micc_tui.supervisor.modals import ConfirmPrompt, TextPrompt
from micc_tui.supervisor.tabs.agents import AgentTable
from micc_tui.widgets.body_search import SearchBar
from micc_tui.widgets.body_view import BodyView
from tests.agent_fixtures import deliver, mail
from tests.supervisor_fixtures import app_for, populate, wait_for

#: An address wider than an 80-column screen.
LONG_ADDRESS = "Solidus.Sales.Retail.Northern.Region.Wholesale.Department.Europe@seclab.com"


@pytest.fixture
def store(config: Config) -> Store:
    store = open_store(config)
    populate(store, config)
    return store


def table(app: SupervisorApp, selector: str) -> DataTable[Any]:
    return app.query_one(selector, DataTable)


def cell_text(table: DataTable[Any], row: str, column: str) -> str:
    return str(getattr(table.get_cell(row, column), "plain", table.get_cell(row, column)))


async def confirm_shown(app: SupervisorApp, pilot: Pilot[Any]) -> ConfirmPrompt:
    await wait_for(pilot, lambda: isinstance(app.screen, ConfirmPrompt))
    assert isinstance(app.screen, ConfirmPrompt)
    return app.screen


def screen_lines(app: SupervisorApp) -> list[str]:
    """The screen as a person reads it, one string per row."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


# -- 16: destructive actions confirm ------------------------------------------------


async def test_deactivating_a_service_access_asks_first(config: Config, store: Store) -> None:
    app = app_for(config)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("2")
        accesses = table(app, "#accesses")
        await wait_for(pilot, lambda: accesses.row_count == 4)
        accesses.focus()
        await pilot.press("d")
        prompt = await confirm_shown(app, pilot)
        assert "Deactivate the service access Sales?" in str(
            prompt.query_one(".dialog-title", Static).render()
        )
        await pilot.press("enter")  # the safe answer has the focus: Enter by habit keeps it
        await wait_for(pilot, lambda: not isinstance(app.screen, ConfirmPrompt))
        await pilot.press("d")
        await confirm_shown(app, pilot)
        await pilot.press("n")
        await wait_for(pilot, lambda: not isinstance(app.screen, ConfirmPrompt))
        await pilot.press("ctrl+r")
        await pilot.pause(0.2)
        assert cell_text(accesses, "Sales", "active") == "yes"
        await pilot.press("d")
        await confirm_shown(app, pilot)
        await pilot.press("y")
        await wait_for(pilot, lambda: cell_text(accesses, "Sales", "active") == "no")


async def test_releasing_an_agents_e_mails_asks_first(config: Config, store: Store) -> None:
    app = app_for(config)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("5")
        agents = app.query_one(AgentTable)
        hand = table(app, "#in-hand")
        await wait_for(pilot, lambda: agents.row_count == 3 and hand.row_count == 1)
        hand.focus()
        await pilot.press("r")
        prompt = await confirm_shown(app, pilot)
        assert "Take e-mail 7 away from Alice" in str(
            prompt.query_one(".dialog-title", Static).render()
        )
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, ConfirmPrompt))
        assert queue.get_item(store, 7).state == "in_progress"  # type: ignore[union-attr]
        await pilot.press("R")
        prompt = await confirm_shown(app, pilot)
        assert "Take all 1 e-mail(s) away from Alice" in str(
            prompt.query_one(".dialog-title", Static).render()
        )
        await pilot.press("n")
        await pilot.press("r")
        await confirm_shown(app, pilot)
        await pilot.press("y")
        await wait_for(pilot, lambda: hand.row_count == 0)
        assert queue.get_item(store, 7).state == "queued"  # type: ignore[union-attr]


def failed_send(store: Store) -> int:
    """A reply to e-mail 1 that the mail server refused for good; its outbox id."""
    raw = (
        b"From: Sales <s@seclab.com>\r\nTo: c1@example.org\r\nSubject: Re: hi\r\n"
        b"Message-ID: <r1@seclab.com>\r\n\r\nThe parts are on their way.\r\n"
    )
    outbox_id = outbox.enqueue(
        store,
        raw,
        mail_from="s@seclab.com",
        recipients=["c1@example.org"],
        conversation_id=1,
        kind="reply",
        agent_id="alice",
    )
    item = outbox.claim(store)
    assert item is not None and item.id == outbox_id
    outbox.mark_failed(store, item, "550 mailbox unavailable", permanent=True)
    return outbox_id


def outbox_state(store: Store, outbox_id: int) -> str:
    return str(store.query("SELECT state FROM outbox WHERE id = ?", (outbox_id,))[0][0])


async def test_giving_up_a_failed_send_asks_first(config: Config, store: Store) -> None:
    outbox_id = failed_send(store)
    app = app_for(config)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("4")
        problems = table(app, "#problems")
        await wait_for(pilot, lambda: problems.row_count == 3)
        problems.focus()
        problems.move_cursor(row=problems.get_row_index(f"o{outbox_id}"))
        await pilot.press("x")
        prompt = await confirm_shown(app, pilot)
        assert f"Give up reply {outbox_id} to c1@example.org?" in str(
            prompt.query_one(".dialog-title", Static).render()
        )
        await pilot.press("n")
        await wait_for(pilot, lambda: not isinstance(app.screen, ConfirmPrompt))
        assert outbox_state(store, outbox_id) == "failed"
        await pilot.press("x")
        await confirm_shown(app, pilot)
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, TextPrompt))
        await pilot.press(*"customer left", "enter")
        await wait_for(pilot, lambda: problems.row_count == 2)
        assert outbox_state(store, outbox_id) == "discarded"


async def test_q_asks_before_quitting(config: Config, store: Store) -> None:
    app = app_for(config)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.board is not None)
        await pilot.press("q")
        await confirm_shown(app, pilot)
        await pilot.press("n")
        await wait_for(pilot, lambda: not isinstance(app.screen, ConfirmPrompt))
        assert app.return_code is None  # still running
        await pilot.press("q")
        await confirm_shown(app, pilot)
        await pilot.press("y")
        await wait_for(pilot, lambda: app.return_code is not None)
        assert app.return_code == 0


# -- 17: the address tester ------------------------------------------------------


async def test_escape_leaves_the_address_tester_and_a_long_answer_shows_whole(
    config: Config, store: Store
) -> None:
    app = app_for(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        accesses = table(app, "#accesses")
        await wait_for(pilot, lambda: accesses.row_count == 4)
        await pilot.press("t")
        tester = app.query_one("#tester", Input)
        assert tester.has_focus
        await pilot.press(*LONG_ADDRESS, "enter")
        result = app.query_one("#tester-result", Static)
        await wait_for(pilot, lambda: "goes to Sales" in str(result.render()))
        await pilot.pause(0.1)
        # The typed address is shown from its start, not cut on the left...
        assert tester.scroll_x == 0
        lines = screen_lines(app)
        assert any(line.strip().startswith(LONG_ADDRESS[:60]) for line in lines)
        # ...and the answer wraps: every character of it is on the screen.
        top = result.region.y
        shown = "".join(line.strip() for line in lines[top : top + result.region.height])
        assert shown.replace(" ", "") == f"{LONG_ADDRESS}goestoSales(groupSales)"
        assert result.region.height >= 2
        # Typing replaces the address tried; Escape goes back to the list.
        await pilot.press(*"x@elsewhere.example", "enter")
        await wait_for(pilot, lambda: "unrouted" in str(result.render()))
        assert tester.value == "x@elsewhere.example"
        await pilot.press("escape")
        assert accesses.has_focus
        await pilot.press("d")  # the list's keys work again
        await confirm_shown(app, pilot)


# -- 18: the unrouted e-mail's preview -------------------------------------------------


async def test_unrouted_tab_previews_the_e_mail_and_enter_opens_it(
    config: Config, store: Store
) -> None:
    deliver(
        store,
        config,
        mail(30, to="nobody@elsewhere.example", body="[bold]Dear[/bold] team,\x1b[2J\nhelp\n"),
        start=100,
    )
    app = app_for(config)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("4")
        problems = table(app, "#problems")
        await wait_for(pilot, lambda: problems.row_count == 3)
        preview = app.query_one("#problem-preview", BodyView)
        await wait_for(pilot, lambda: "where is order 5?" in preview.text)
        await pilot.press("down")
        await wait_for(pilot, lambda: "where is order 6?" in preview.text)
        await pilot.press("down")
        await wait_for(pilot, lambda: "Dear" in preview.text)
        # Text from the e-mail stays literal: no markup, no escape sequence.
        assert "[bold]Dear[/bold] team," in preview.text and "\x1b" not in preview.text
        assert any("[bold]Dear[/bold] team," in line for line in screen_lines(app))
        await pilot.press("up")
        await wait_for(pilot, lambda: "where is order 6?" in preview.text)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConversationScreen))
        screen = app.screen
        await wait_for(pilot, lambda: len(screen.query(".message-body")) == 1)
        assert "where is order 6?" in screen.query(".message-body").first(BodyView).text
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, ConversationScreen))
        assert problems.row_count == 3  # reading changed nothing


# -- 19: Home in a conversation ----------------------------------------------------


async def test_home_goes_to_the_top_of_a_conversation(config: Config, store: Store) -> None:
    long_body = "".join(f"line {n} of a long e-mail\n" for n in range(300))
    first = mail(40, subject="Widget saga", body=long_body)
    again = mail(41, subject="Re: Widget saga", body="Still waiting.\n" + long_body)
    again = again.replace(b"Message-ID:", b"In-Reply-To: <m40@example.org>\nMessage-ID:", 1)
    deliver(store, config, first, again, start=100)
    app = app_for(config)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("6")
        app.query_one("#search", Input).focus()
        await pilot.press(*"saga", "enter")
        hits = table(app, "#hits")
        await wait_for(pilot, lambda: hits.row_count == 2)
        assert cell_text(hits, str(hits.ordered_rows[0].key.value), "subject") == "Re: Widget saga"
        await pilot.press("enter")  # the newest: the conversation opens at its last e-mail
        await wait_for(pilot, lambda: isinstance(app.screen, ConversationScreen))
        screen = app.screen
        box = screen.query_one("#messages")
        await wait_for(pilot, lambda: len(screen.query(".message-body")) == 2)
        await wait_for(pilot, lambda: box.scroll_y > 80)
        # At once, not gliding there at 50 lines a second (a long conversation took
        # seconds, and Home seemed to do nothing). Pilot's press waits for animations
        # to end, so the key is sent as a terminal sends it.
        await key(app, pilot, "home")
        assert box.scroll_y == 0
        await key(app, pilot, "end")
        assert box.max_scroll_y > 80 and box.scroll_y == box.max_scroll_y


async def key(app: SupervisorApp, pilot: Pilot[Any], name: str) -> None:
    """One key as the terminal sends it; back once the app is idle (animations may go on)."""
    app.post_message(events.Key(name, None))
    await pilot.pause()


async def test_no_preview_pane_when_nothing_is_unrouted(config: Config) -> None:
    app = app_for(config)  # a fresh workspace: nothing unrouted or failed
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("4")
        reason = app.query_one("#problem-reason", Static)
        await wait_for(pilot, lambda: "No unrouted or failed e-mails." in str(reason.render()))
        assert not app.query_one("#problem-preview-scroll").display
        assert not any("Enter opens" in line for line in screen_lines(app))


# -- 14: g / G and / in a conversation ----------------------------------------------


async def test_g_G_and_slash_in_a_conversation(config: Config, store: Store) -> None:
    long_body = "".join(f"line {n} of a long e-mail\n" for n in range(300))
    first = mail(40, subject="Widget saga", body=long_body)
    again = mail(41, subject="Re: Widget saga", body="Still waiting.\n" + long_body)
    again = again.replace(b"Message-ID:", b"In-Reply-To: <m40@example.org>\nMessage-ID:", 1)
    deliver(store, config, first, again, start=100)
    app = app_for(config)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("6")
        app.query_one("#search", Input).focus()
        await pilot.press(*"saga", "enter")
        hits = table(app, "#hits")
        await wait_for(pilot, lambda: hits.row_count == 2)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConversationScreen))
        screen = app.screen
        box = screen.query_one("#messages")
        await wait_for(pilot, lambda: len(screen.query(".message-body")) == 2)
        await wait_for(pilot, lambda: box.scroll_y > 80)
        await key(app, pilot, "g")
        assert box.scroll_y == 0
        await key(app, pilot, "G")
        assert box.scroll_y == box.max_scroll_y
        # / searches the headers and bodies: "line 150 " once in each e-mail.
        await pilot.press("slash", *"LINE 150 ")
        bar = screen.query_one(SearchBar)
        await wait_for(pilot, lambda: bar.count_text == "1 of 2")
        first_place = box.scroll_y
        assert "line 150 of a long e-mail" in "\n".join(screen_lines(app))
        await key(app, pilot, "home")  # in the field: its start, not the conversation's
        assert box.scroll_y == first_place and bar.query_one(Input).cursor_position == 0
        await pilot.press("enter", "n")
        assert bar.count_text == "2 of 2" and box.scroll_y > first_place
        await pilot.press("N")
        assert bar.count_text == "1 of 2" and box.scroll_y == first_place
        await pilot.press(*"saga")  # g and a, typed outside the field, are not typed in it
        assert bar.query_one(Input).value == "LINE 150 "
        # / again: back in the field, the term selected (typing replaces it, End keeps it).
        await pilot.press("slash", "end", "backspace", "backspace", *"9 of", "enter")
        await wait_for(pilot, lambda: bar.count_text == "1 of 2")
        assert "line 159 of a long e-mail" in "\n".join(screen_lines(app))
        # Esc closes the search first, then the conversation.
        await pilot.press("escape")
        assert not bar.active and isinstance(app.screen, ConversationScreen)
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, ConversationScreen))
