"""The agent console driven by keys (Pilot): every work action, views, filter, live updates."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.bootstrap import open_store
from engine.config import Config
from engine.store import Store
from micc_tui.agent.composer import ComposerScreen
from micc_tui.agent.dialogs import HistoryScreen
from micc_tui.agent.help import HelpScreen
from micc_tui.agent.panes import IN_HAND
from tests.agent_console_helpers import make_app, screen, settle, subjects, table
from tests.agent_fixtures import NOW, deliver, fix_received, mail, workspace


@pytest.fixture
def config(tmp_path: Path) -> Config:
    config = workspace(tmp_path / "ws")
    store = open_store(config)
    deliver(
        store,
        config,
        mail(1),
        mail(2, to="Solidus.Support@seclab.com"),
        mail(3, sender="same@example.org"),
        mail(4, to="Solidus.Marketing@seclab.com"),
        mail(5, sender="same@example.org", attachment=("report.pdf", b"%PDF")),
    )
    fix_received(store)
    store.close()
    return config


def state_of(store: Store, conversation: int) -> tuple[str, str | None, str, str]:
    row = store.query_one(
        "SELECT state, agent_id, service_group, reason FROM conversations WHERE id = ?",
        (conversation,),
    )
    assert row is not None
    return row[0], row[1], row[2], row[3]


async def test_the_queue_lists_the_agents_groups_oldest_first(config: Config) -> None:
    app = make_app(config)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, lambda: table(app).row_count == 4)
        assert subjects(app) == [
            "Order question 1",
            "Order question 2",
            "Order question 3",
            "Order question 5",
        ]
        status = str(screen(app).query_one("#status").render())
        assert "Available" in status and "in hand: 0" in status


async def test_take_next_shows_the_email_in_hand(config: Config, store: Store) -> None:
    app = make_app(config)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, lambda: table(app).row_count == 4)
        await pilot.press("n")
        await settle(pilot, lambda: screen(app).view == IN_HAND and table(app).row_count == 1)
        assert subjects(app) == ["Order question 1"]
        assert state_of(store, 1)[:2] == ("in_progress", "alice")
        assert "in hand: 1" in str(screen(app).query_one("#status").render())


async def test_take_selected_then_put_back(config: Config, store: Store) -> None:
    app = make_app(config)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, lambda: table(app).row_count == 4)
        await pilot.press("down", "down", "t")
        await settle(pilot, lambda: table(app).row_count == 1)
        assert state_of(store, 3)[:2] == ("in_progress", "alice")
        await pilot.press("b")
        await settle(pilot, lambda: state_of(store, 3)[0] == "queued")
        assert state_of(store, 3)[1] is None


async def test_transfer_with_a_note(config: Config, store: Store) -> None:
    app = make_app(config)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, lambda: table(app).row_count == 4)
        await pilot.press("n")
        await settle(pilot, lambda: table(app).row_count == 1)
        await pilot.press("x")
        await pilot.pause()
        # The group list has the focus, nothing chosen: Enter opens it, Down picks Marketing.
        await pilot.press("enter", "down", "enter", "tab", *"needs pricing")
        await pilot.click("#ok")
        await settle(pilot, lambda: state_of(store, 1)[0] == "queued")
        assert state_of(store, 1)[2:] == ("Marketing", "needs pricing")


async def test_close_with_a_reason_and_junk(config: Config, store: Store) -> None:
    app = make_app(config)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, lambda: table(app).row_count == 4)
        await pilot.press("n")
        await settle(pilot, lambda: table(app).row_count == 1)
        await pilot.press("c")
        await pilot.pause()
        await pilot.press("enter")  # an empty reason is refused
        await pilot.pause()
        await pilot.press(*"phoned", "enter")
        await settle(pilot, lambda: state_of(store, 1)[0] == "closed")
        assert state_of(store, 1)[3] == "phoned"
        await pilot.press("n")
        await settle(pilot, lambda: table(app).row_count == 1)
        await pilot.press("J")
        await settle(pilot, lambda: state_of(store, 2)[0] == "junk")


async def test_actions_on_an_email_not_in_hand_are_refused(config: Config, store: Store) -> None:
    app = make_app(config)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, lambda: table(app).row_count == 4)
        await pilot.press("c", "J", "x", "r")
        await settle(pilot)
        assert not isinstance(app.screen, ComposerScreen)
        assert [state_of(store, i)[0] for i in (1, 2, 3)] == ["queued"] * 3


async def test_reply_reply_all_forward_and_new_open_the_composer(config: Config) -> None:
    app = make_app(config)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, lambda: table(app).row_count == 4)
        await pilot.press("n")
        await settle(pilot, lambda: table(app).row_count == 1)
        expected = {
            "r": ("c1@example.org", "Re: Order question 1"),
            "R": ("c1@example.org", "Re: Order question 1"),
            "f": ("", "Fwd: Order question 1"),
            "w": ("", ""),
        }
        for key, (to, subject) in expected.items():
            await pilot.press(key)
            await settle(pilot, lambda: isinstance(app.screen, ComposerScreen))
            composer = app.screen
            assert isinstance(composer, ComposerScreen)
            assert composer.query_one("#composer-to").value == to  # type: ignore[attr-defined]
            assert composer.query_one("#composer-subject").value == subject  # type: ignore[attr-defined]
            sender = str(composer.query_one("#composer-from").render())
            assert sender == (
                "Solidus.SalesCall@seclab.com" if key == "w" else "Solidus.Sales.Retail@seclab.com"
            )
            await pilot.press("escape", "escape")
            await settle(pilot, lambda: not isinstance(app.screen, ComposerScreen))


async def test_history_and_help(config: Config) -> None:
    app = make_app(config)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, lambda: table(app).row_count == 4)
        await pilot.press("end", "h")
        await settle(pilot, lambda: isinstance(app.screen, HistoryScreen))
        history = app.screen
        assert isinstance(history, HistoryScreen)
        assert [m.subject for m in history.messages] == ["Order question 3"]
        await pilot.press("escape", "question_mark")
        await settle(pilot, lambda: isinstance(app.screen, HelpScreen))
        await pilot.press("escape")


async def test_filter_narrows_the_queue(config: Config) -> None:
    app = make_app(config)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, lambda: table(app).row_count == 4)
        await pilot.press("slash", *"question 5")
        await settle(pilot, lambda: table(app).row_count == 1)
        assert subjects(app) == ["Order question 5"]
        await pilot.press("enter")
        assert app.focused is table(app)


async def test_escape_clears_and_closes_the_filter(config: Config) -> None:
    app = make_app(config)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, lambda: table(app).row_count == 4)
        await pilot.press("slash", *"question 5")
        await settle(pilot, lambda: table(app).row_count == 1)
        await pilot.press("escape")
        await settle(pilot, lambda: table(app).row_count == 4)
        assert app.focused is table(app)


async def test_new_mail_appears_live_and_views_switch(config: Config, store: Store) -> None:
    app = make_app(config)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, lambda: table(app).row_count == 4)
        deliver(store, config, mail(9, subject="Arrived just now"), start=100)
        await settle(pilot, lambda: table(app).row_count == 5)
        assert "Arrived just now" in subjects(app)
        await pilot.press("1")
        await settle(pilot, lambda: table(app).row_count == 0)
        await pilot.press("2")
        await settle(pilot, lambda: table(app).row_count == 5)


async def test_engine_health_redraws_the_status_line_not_the_queue(
    config: Config, store: Store
) -> None:
    app = make_app(config)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, lambda: table(app).row_count == 4)
        status = screen(app).query_one("#status")
        assert "not running" in str(status.render())
        center = screen(app).center
        # The console's own Available at start is an event: let it be seen first.
        await settle(pilot, lambda: screen(app)._mark == center.change_mark())
        reads: list[object] = []
        read_queue = center.queue
        center.queue = lambda *args, **kwargs: (
            reads.append(args)
            or read_queue(  # type: ignore[method-assign]
                *args, **kwargs
            )
        )
        with store.transaction() as conn:
            conn.execute(
                "INSERT INTO engine_health (name, state, detail, updated) "
                "VALUES ('sender', 'error', 'SMTP refused the login', ?)",
                (NOW.isoformat(),),
            )
        await settle(pilot, lambda: "sender error" in str(status.render()))
        assert reads == []  # the queue was not read again for a health row
        deliver(store, config, mail(9, subject="Arrived just now"), start=100)
        await settle(pilot, lambda: table(app).row_count == 5)
        assert reads  # a new e-mail still reloads the queue


async def test_available_away_is_recorded(config: Config, store: Store) -> None:
    app = make_app(config)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, lambda: table(app).row_count == 4)
        row = store.query_one("SELECT state FROM agent_status WHERE agent_id = 'alice'")
        assert row is not None and row[0] == "available"
        await pilot.press("s", "enter")  # Away: the first reason (Break)
        await settle(pilot, lambda: "Away" in str(screen(app).query_one("#status").render()))
        row = store.query_one("SELECT state, reason FROM agent_status WHERE agent_id = 'alice'")
        assert row is not None and tuple(row) == ("away", "Break")
    row = store.query_one("SELECT state FROM agent_status WHERE agent_id = 'alice'")
    assert row is not None and row[0] == "logged_out"  # the console closed


async def test_attachments_are_listed_and_saved(config: Config, tmp_path: Path) -> None:
    app = make_app(config)
    target = tmp_path / "saved"
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, lambda: table(app).row_count == 4)
        await pilot.press("end")
        await settle(
            pilot,
            lambda: (
                screen(app).reading is not None
                and screen(app).reading.message.subject == "Order question 5"
            ),
        )  # type: ignore[union-attr]
        shown = str(screen(app).query_one("#reading-attachments").render())
        assert "report.pdf" in shown
        await pilot.press("a")
        await pilot.pause()
        folder = app.screen.query_one("#attachment-folder")
        folder.value = str(target)  # type: ignore[attr-defined]
        folder.focus()
        await pilot.press("enter")
        await settle(pilot, lambda: (target / "report.pdf").exists())
        assert (target / "report.pdf").read_bytes() == b"%PDF"
