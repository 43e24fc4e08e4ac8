"""The whole conversation in the agent's reading pane (issue 16, item 1).

A customer sends a quote request with ``spec.csv``, then a follow-up "Any
news? Did you get my spec sheet?" without threading headers. The agent sees
one thread: the first e-mail, the trail and the notes as lines around the
follow-up shown in full; ``[`` and ``]`` (or a click) show another e-mail of it;
``a`` lists and saves the files of every e-mail; a reply answers the e-mail
shown.
"""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input, SelectionList

from engine import lifecycle, notes
from engine.bootstrap import open_store
from engine.config import Config
from engine.store import Store
from micc_tui.agent import AgentApp
from micc_tui.agent.attachments_dialog import AttachmentsDialog
from micc_tui.agent.panes import ReadingPane, ThreadPart
from micc_tui.agent.thread_lines import WINDOW
from micc_tui.widgets.safe import inert
from tests.agent_console_helpers import make_app, screen, settle, table
from tests.agent_fixtures import deliver, mail

ANNA = "anna@example.org"
SPEC = ("spec.csv", b"part,qty\nA-1,40\n")
#: A note that would be markup and a screen-clearing escape if trusted.
NOTE = "Asked the [b]warehouse[/b] \x1b[2J"


def quote_and_follow_up(store: Store, config: Config) -> None:
    first = mail(
        1, subject="Quote request", sender=ANNA, body="Please quote 40.\n", attachment=SPEC
    )
    deliver(store, config, first)
    lifecycle.take(store, "alice", 1)
    notes.add(store, 1, "alice", NOTE)
    lifecycle.release(store, "carol", 1)
    follow = mail(
        2, subject="Re: Quote request", sender=ANNA, body="Any news?\nDid you get my spec sheet?\n"
    )
    deliver(store, config, follow, start=1)


def part(app: AgentApp, name: str) -> str:
    return str(screen(app).query_one(f"#thread-{name}", ThreadPart).render())


def headers(app: AgentApp) -> str:
    return str(screen(app).query_one("#reading-headers").render())


def shown_subject(app: AgentApp) -> str:
    return next(line for line in headers(app).splitlines() if line.startswith("Subject: "))


async def test_the_follow_up_shows_the_whole_thread(config: Config, store: Store) -> None:
    quote_and_follow_up(store, config)
    app = make_app(config)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, lambda: table(app).row_count == 1)
        await settle(pilot, lambda: "Re: Quote request" in headers(app))
        before = part(app, "before").splitlines()
        assert before[0].startswith("← ") and "Please quote 40." in before[0]
        assert before[0].endswith("(1 file)")
        assert before[1].startswith("· taken by Alice Smith at ")
        assert before[2].startswith("✎ note by Alice Smith at ")
        assert inert(NOTE) in before[2] and "\x1b" not in before[2]
        assert before[3].startswith("· released by Carol White at ")
        assert part(app, "after") == ""
        # The follow-up is shown at the top of the pane; the thread is above it.
        pane = screen(app).query_one("#reading", ReadingPane)
        await settle(pilot, lambda: pane.scroll_y > 0)

        # [ shows the quote request in its place; ] goes back.
        await pilot.press("left_square_bracket")
        await settle(pilot, lambda: shown_subject(app) == "Subject: Quote request")
        assert "spec.csv" in str(screen(app).query_one("#reading-attachments").render())
        assert part(app, "before") == ""
        assert part(app, "after").splitlines()[-1].startswith("← ")
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert shown_subject(app) == "Subject: Quote request"  # the first: it stays
        await pilot.press("right_square_bracket")
        await settle(pilot, lambda: shown_subject(app) == "Subject: Re: Quote request")


async def test_back_to_the_newest_e_mail_its_headers_are_at_the_top(
    config: Config, store: Store
) -> None:
    """The lines above come back with it: the pane scrolls past all of them, not one short."""
    quote_and_follow_up(store, config)
    app = make_app(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, lambda: "Re: Quote request" in headers(app))
        pane = screen(app).query_one("#reading", ReadingPane)
        at_top = screen(app).query_one("#reading-headers")
        await settle(pilot, lambda: pane.scroll_y > 0)
        assert pane.scroll_y == at_top.virtual_region.y == 6  # four lines, a rule, a blank
        await pilot.press("left_square_bracket")
        await settle(pilot, lambda: shown_subject(app) == "Subject: Quote request")
        await settle(pilot, lambda: pane.scroll_y == 0)
        await pilot.press("right_square_bracket")
        await settle(pilot, lambda: shown_subject(app) == "Subject: Re: Quote request")
        await settle(pilot, lambda: pane.scroll_y > 0)
        assert pane.scroll_y == at_top.virtual_region.y == 6


async def test_a_click_on_a_line_shows_that_e_mail(config: Config, store: Store) -> None:
    quote_and_follow_up(store, config)
    app = make_app(config)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, lambda: "Re: Quote request" in headers(app))
        pane = screen(app).query_one("#reading", ReadingPane)
        await settle(pilot, lambda: pane.scroll_y > 0)  # scrolled to the e-mail shown
        pane.scroll_home(animate=False)
        await settle(pilot, lambda: pane.scroll_y == 0)
        await pilot.click("#thread-before", offset=(2, 0))
        await settle(pilot, lambda: shown_subject(app) == "Subject: Quote request")
        # An event's line shows nothing else.
        await pilot.click("#thread-after", offset=(2, 1))
        await settle(pilot)
        assert shown_subject(app) == "Subject: Quote request"


async def test_a_picked_e_mail_stays_while_the_store_changes(config: Config, store: Store) -> None:
    quote_and_follow_up(store, config)
    app = make_app(config)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, lambda: "Re: Quote request" in headers(app))
        await pilot.press("left_square_bracket")
        await settle(pilot, lambda: shown_subject(app) == "Subject: Quote request")
        notes.add(store, 1, "bob", "Second note")
        await settle(pilot, lambda: "Second note" in part(app, "after"))
        assert shown_subject(app) == "Subject: Quote request"


async def test_a_lists_every_file_of_the_conversation_and_saves_it(
    config: Config, store: Store, tmp_path: Path
) -> None:
    quote_and_follow_up(store, config)
    app = make_app(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, lambda: "Re: Quote request" in headers(app))
        await pilot.press("a")
        await settle(pilot, lambda: isinstance(app.screen, AttachmentsDialog))
        files = app.screen.query_one("#attachment-files", SelectionList)
        assert files.option_count == 1 and files.selected == [(1, 1)]
        assert "spec.csv" in str(files.get_option_at_index(0).prompt)
        app.screen.query_one("#attachment-folder", Input).value = str(tmp_path / "saved")
        await pilot.click("#save")
        saved = tmp_path / "saved" / "spec.csv"
        await settle(pilot, lambda: saved.exists())
        assert saved.read_bytes() == SPEC[1]


async def test_a_reply_answers_the_e_mail_shown(config: Config, store: Store) -> None:
    from micc_tui.agent.composer import ComposerScreen

    quote_and_follow_up(store, config)
    lifecycle.take(store, "alice", 1)
    app = make_app(config)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("1")
        await settle(pilot, lambda: "in progress by alice" in headers(app))
        await pilot.press("left_square_bracket")
        await settle(pilot, lambda: shown_subject(app) == "Subject: Quote request")
        await pilot.press("r")
        await settle(pilot, lambda: isinstance(app.screen, ComposerScreen))
        assert isinstance(app.screen, ComposerScreen)
        body = app.screen.draft.body
        assert "> Please quote 40." in body and "Any news?" not in body
        assert app.screen.draft.in_reply_to == "<m1@example.org>"


async def test_a_long_conversation_draws_its_newest_lines(tmp_path: Path) -> None:
    from tests.agent_fixtures import workspace

    config = workspace(tmp_path / "long")
    total = WINDOW + 25
    with open_store(config) as store:
        raws = [mail(1, subject="Order", sender=ANNA)]
        raws += [mail(n, subject="Re: Order", sender=ANNA) for n in range(2, total + 1)]
        deliver(store, config, *raws)
    app = make_app(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, lambda: table(app).row_count == 1)
        await settle(pilot, lambda: part(app, "before") != "")
        before = part(app, "before").splitlines()
        assert before[0] == f"▲ {total - 1 - WINDOW} earlier: [ reaches them"
        assert len(before) == WINDOW + 1
