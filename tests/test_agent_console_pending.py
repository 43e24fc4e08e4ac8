"""The desk's key for waiting on the customer, its reminder dialog, and the e-mail's return."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from textual.widgets import Input, OptionList, Static

from engine import dates
from engine.bootstrap import open_store
from engine.config import Config
from micc_tui.agent import AgentApp
from micc_tui.agent.dialogs import TextPrompt
from micc_tui.agent.panes import WAITING, GroupList
from tests.agent_console_helpers import make_app, screen, settle, subjects, table
from tests.agent_fixtures import NOW, deliver, fix_received, mail, workspace


@pytest.fixture
def config(tmp_path: Path) -> Config:
    config = workspace(tmp_path / "ws")
    store = open_store(config)
    deliver(store, config, mail(1), mail(2))
    fix_received(store)
    store.close()
    return config


def row_of(config: Config, conversation: int) -> tuple[str, str | None, str | None]:
    with open_store(config) as store:
        row = store.query_one(
            "SELECT state, agent_id, remind_at FROM conversations WHERE id = ?", (conversation,)
        )
    assert row is not None
    return row[0], row[1], row[2]


def notices(app: AgentApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


def group_entries(app: AgentApp) -> list[str]:
    groups = screen(app).query_one("#groups", GroupList)
    return [str(groups.get_option_at_index(i).prompt) for i in range(groups.option_count)]


async def take_first(app: AgentApp, pilot: object) -> None:
    await settle(pilot, lambda: table(app).row_count == 2)  # type: ignore[arg-type]
    await pilot.press("n")  # type: ignore[attr-defined]
    await settle(pilot, lambda: len(screen(app).snapshot.in_hand) == 1)  # type: ignore[arg-type, union-attr]


async def test_p_asks_when_to_remind_and_the_email_leaves_the_hand(config: Config) -> None:
    app = make_app(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await take_first(app, pilot)
        assert not any(e.startswith("Waiting") for e in group_entries(app))
        await pilot.press("p")
        await settle(pilot, lambda: isinstance(app.screen, TextPrompt))
        offered = app.screen.query_one("#prompt-suggestions", OptionList)
        assert [str(offered.get_option_at_index(i).prompt) for i in range(4)] == list(
            dates.REMINDER_CHOICES
        )
        await pilot.press("down", "down", "enter")  # "tomorrow 9:00" into the box
        assert app.screen.query_one("#prompt-input", Input).value == "tomorrow 9:00"
        await pilot.press("enter")
        await settle(pilot, lambda: row_of(config, 1)[0] == "pending_customer")
        due = (NOW + timedelta(days=1)).astimezone().replace(hour=9, minute=0)
        assert row_of(config, 1) == (
            "pending_customer",
            "alice",
            due.astimezone(NOW.tzinfo).isoformat(timespec="microseconds"),
        )
        await settle(pilot, lambda: screen(app).snapshot.in_hand == [])  # type: ignore[union-attr]
        assert f"Waiting for the customer (reminder {dates.date_time(due)})" in notices(app)
        assert "Waiting  1" in group_entries(app)
        assert subjects(app) == []  # out of the hand...
        await pilot.press("2")
        await settle(pilot, lambda: subjects(app) == ["Order question 2"])  # ...and the queue

        await pilot.press("3")
        await settle(pilot, lambda: screen(app).view == WAITING and table(app).row_count == 1)
        assert subjects(app) == ["Order question 1"]
        assert all(row.dim for row in table(app).rows())
        headers = screen(app).query_one("#reading-headers", Static)
        await settle(pilot, lambda: "Reminder:" in str(headers.render()))
        seen = str(headers.render())
        assert "pending customer by alice" in seen and dates.date_time(due) in seen


async def test_a_reminder_that_is_no_moment_is_refused_and_the_email_stays(
    config: Config,
) -> None:
    app = make_app(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await take_first(app, pilot)
        await pilot.press("p")
        await settle(pilot, lambda: isinstance(app.screen, TextPrompt))
        for key in "when pigs fly":
            await pilot.press("space" if key == " " else key)
        await pilot.press("enter")
        await settle(pilot, lambda: any("is not a date" in n for n in notices(app)))
        assert row_of(config, 1)[0] == "in_progress"
        assert len(screen(app).snapshot.in_hand) == 1  # type: ignore[union-attr]


async def test_the_customers_answer_comes_back_to_the_hand_with_a_notice(config: Config) -> None:
    app = make_app(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await take_first(app, pilot)
        await pilot.press("p")
        await settle(pilot, lambda: isinstance(app.screen, TextPrompt))
        for key in ("down", "enter", "enter"):  # "no reminder"
            await pilot.press(key)
        await settle(pilot, lambda: row_of(config, 1)[0] == "pending_customer")
        await settle(pilot, lambda: len(screen(app).snapshot.waiting) == 1)  # type: ignore[union-attr]
        assert "Waiting for the customer (no reminder)" in notices(app)
        with open_store(config) as store:  # the console is Available: it comes back to alice
            answer = b"In-Reply-To: <m1@example.org>\r\n" + mail(9, sender="c1@example.org")
            deliver(store, config, answer, start=20)
        await settle(pilot, lambda: len(screen(app).snapshot.in_hand) == 1)  # type: ignore[union-attr]
        assert row_of(config, 1) == ("in_progress", "alice", None)
        assert "The customer answered: Order question 1 is back in your hand." in notices(app)
        assert not any(e.startswith("Waiting") for e in group_entries(app))


async def test_f9_sends_the_reply_and_waits_for_the_customer(config: Config) -> None:
    """The usual case: the agent asks the customer something, sends, and waits."""
    from engine import outbox
    from engine.outbox import OutboxState
    from micc_tui.agent.composer import ComposerScreen

    app = make_app(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await take_first(app, pilot)
        await pilot.press("r")
        await settle(pilot, lambda: isinstance(app.screen, ComposerScreen))
        await pilot.press("f9")
        await settle(pilot, lambda: isinstance(app.screen, TextPrompt))
        await pilot.press(*"no reminder", "enter")
        await settle(pilot, lambda: row_of(config, 1)[0] == "pending_customer")
        assert row_of(config, 1) == ("pending_customer", "alice", None)
        await settle(pilot, lambda: not isinstance(app.screen, ComposerScreen))
        assert any("Waiting for the customer (no reminder)." in n for n in notices(app))
    with open_store(config) as store:
        replies = outbox.listing(store, conversation_id=1)
    assert [(r.kind, r.state) for r in replies] == [("reply", OutboxState.QUEUED)]


async def test_f9_is_refused_for_a_forward(config: Config) -> None:
    from micc_tui.agent.composer import ComposerScreen

    app = make_app(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await take_first(app, pilot)
        await pilot.press("f")
        await settle(pilot, lambda: isinstance(app.screen, ComposerScreen))
        await pilot.press("f9")
        await settle(pilot)
        assert isinstance(app.screen, ComposerScreen)
        status = str(app.screen.query_one("#composer-status").render())
        assert "Only a reply waits for the customer" in status
    assert row_of(config, 1)[0] == "in_progress"
