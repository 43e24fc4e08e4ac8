"""The agent console's side of automatic distribution (issue 17, items 2 and 4).

The consoles run over a real SQLite store; the offers are made by the
distributor itself (``engine.distribution.distribute``), once the console has
said its agent is Available, as the engine does after each change.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import OptionList, TextArea

from engine import distribution
from engine.bootstrap import open_store
from engine.config import Config, load_config
from engine.store import Store
from micc_tui.agent import AgentApp
from micc_tui.agent.away import AwayPicker
from micc_tui.agent.composer import ComposerScreen
from micc_tui.agent.dialogs import TextPrompt
from micc_tui.agent.offers import OfferBanner
from micc_tui.agent.panes import IN_HAND
from tests.agent_console_helpers import make_app, screen, settle, table
from tests.agent_fixtures import deliver, fix_received, mail, workspace

HOSTILE = "Refund [bold]now[/] \x1b[31mred\x1b[0m"


def offering(folder: Path, timeout: int = 30) -> Config:
    """The example workspace, its Sales group offering e-mails with a ``timeout`` in seconds."""
    config = workspace(folder)
    assert config.source is not None
    text = config.source.read_text()
    pull = 'distribution = "pull"               # agents take Sales e-mails themselves'
    assert pull in text
    text = text.replace(pull, 'distribution = "offer"', 1)
    text = text.replace(
        'name = "Sales"\n', f'name = "Sales"\noffer_timeout_seconds = {timeout}\n', 1
    )
    config.source.write_text(text)
    return load_config(str(config.source))


@pytest.fixture
def config(tmp_path: Path) -> Config:
    config = offering(tmp_path / "ws")
    store = open_store(config)
    deliver(store, config, mail(1, subject=HOSTILE, name="Carla [i]Customer[/i]"), mail(2))
    fix_received(store)
    store.close()
    return config


@pytest.fixture
def store(config: Config) -> Iterator[Store]:
    opened = open_store(config)
    yield opened
    opened.close()


def banner(app: AgentApp) -> OfferBanner:
    return app.screen.query_one(OfferBanner)


def banner_text(app: AgentApp) -> str:
    shown = banner(app)
    return str(shown.render()) if shown.has_class("-shown") else ""


def available(store: Store, agent: str = "alice") -> bool:
    row = store.query_one("SELECT state FROM agent_status WHERE agent_id = ?", (agent,))
    return row is not None and row[0] == "available"


async def offered(pilot: Pilot[None], app: AgentApp, store: Store, config: Config) -> None:
    """Once the console says alice is Available, the distributor offers her e-mail 1."""
    await settle(pilot, lambda: table(app).row_count == 2 and available(store))
    made = distribution.distribute(store, config)
    assert [(o.conversation_id, o.agent_id) for o in made.offered] == [(1, "alice")]
    await settle(pilot, lambda: "Offered to you" in banner_text(app))


def events(store: Store, kind: str) -> list[tuple[int, str | None, dict[str, object]]]:
    rows = store.query(
        "SELECT conversation_id, agent_id, detail_json FROM events WHERE kind = ? ORDER BY id",
        (kind,),
    )
    return [(r[0], r[1], json.loads(r[2] or "{}")) for r in rows]


async def test_the_banner_shows_the_offer_with_a_countdown(config: Config, store: Store) -> None:
    app = make_app(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await offered(pilot, app, store, config)
        shown = banner_text(app)
        # E-mail text made inert: no markup applied, no escape reaching the terminal.
        assert "Refund [bold]now[/]" in shown and "\x1b" not in shown
        assert "from Carla [i]Customer[/i] <c1@example.org>" in shown
        assert "Sales" in shown and "priority 5" in shown
        first = int(shown.split(" s left")[0].split()[-1])
        assert 25 <= first <= 30
        await settle(pilot, lambda: f"{first - 1} s left" in banner_text(app), timeout=5)
        assert banner(app).can_focus is False
        assert app.focused is table(app)  # the banner took nothing from the keyboard


async def test_enter_accepts_and_opens_it_in_hand(config: Config, store: Store) -> None:
    app = make_app(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await offered(pilot, app, store, config)
        await pilot.press("down")  # the cursor on another e-mail: Enter still takes the offer
        await pilot.press("enter")
        await settle(pilot, lambda: screen(app).view == IN_HAND and table(app).cursor_key == 1)
        assert banner_text(app) == ""
        row = store.query_one("SELECT state, agent_id FROM conversations WHERE id = 1")
        assert tuple(row) == ("in_progress", "alice")  # type: ignore[arg-type]
        assert [e[0] for e in events(store, "offer_accepted")] == [1]
        await settle(pilot, lambda: screen(app).reading is not None)
        assert screen(app).reading.message.conversation_id == 1  # type: ignore[union-attr]
        # No offer now: Enter is the queue's again (here: reply to the e-mail in hand).
        await pilot.press("enter")
        await settle(pilot, lambda: isinstance(app.screen, ComposerScreen))


async def test_f6_rejects_with_a_reason(config: Config, store: Store) -> None:
    app = make_app(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await offered(pilot, app, store, config)
        await pilot.press("f6")
        await settle(pilot, lambda: isinstance(app.screen, TextPrompt))
        await pilot.press(*"Not my subject today", "enter")
        await settle(pilot, lambda: bool(events(store, "offer_rejected")))
        await settle(pilot, lambda: banner_text(app) == "")
        [(conversation, agent, detail)] = events(store, "offer_rejected")
        assert (conversation, agent, detail["reason"]) == (1, "alice", "Not my subject today")
        row = store.query_one("SELECT state FROM conversations WHERE id = 1")
        assert row is not None and row[0] == "queued"


async def test_an_offer_shows_in_the_composer_and_f5_keeps_the_draft(
    config: Config, store: Store
) -> None:
    app = make_app(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, lambda: table(app).row_count == 2 and available(store))
        await pilot.press("w")  # a new e-mail
        await settle(pilot, lambda: isinstance(app.screen, ComposerScreen))
        composer = app.screen
        body = composer.query_one("#composer-body", TextArea)
        body.focus()  # a new e-mail starts in To
        await pilot.press(*"Dear team")
        assert "Dear team" in body.text
        focused = app.focused
        made = distribution.distribute(store, config)
        assert [o.conversation_id for o in made.offered] == [1]
        await settle(pilot, lambda: "Offered to you" in banner_text(app))
        assert "F5 accept" in banner_text(app) and "Enter" not in banner_text(app)
        assert banner(app).region.height == 2 and app.focused is focused
        await pilot.press(*", hello")  # typing goes on into the draft
        await pilot.press("f5")
        await settle(pilot, lambda: bool(events(store, "offer_accepted")))
        await settle(pilot, lambda: banner_text(app) == "")
        assert app.screen is composer and "Dear team, hello" in body.text
        toasts = [n.message for n in app._notifications]
        assert "Accepted: e-mail 1 is in your hand." in toasts
        row = store.query_one("SELECT state, agent_id FROM conversations WHERE id = 1")
        assert tuple(row) == ("in_progress", "alice")  # type: ignore[arg-type]


async def test_away_asks_why_and_the_status_line_says_it(config: Config, store: Store) -> None:
    app = make_app(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, lambda: table(app).row_count == 2 and available(store))
        await pilot.press("s")
        await settle(pilot, lambda: isinstance(app.screen, AwayPicker))
        reasons = app.screen.query_one(OptionList)
        assert [str(reasons.get_option_at_index(i).prompt) for i in range(3)] == [
            "Break",
            "Meeting",
            "Training",
        ]
        await pilot.press("down", "enter")
        status = screen(app).query_one("#status")
        await settle(pilot, lambda: "○ Away (Meeting)" in str(status.render()))
        row = store.query_one("SELECT state, reason FROM agent_status WHERE agent_id = 'alice'")
        assert tuple(row) == ("away", "Meeting")  # type: ignore[arg-type]
        # Away: nothing is offered, and n says why it takes nothing.
        assert distribution.distribute(store, config).offered == []
        await pilot.press("n")
        await settle(
            pilot, lambda: any("you are Away" in str(n.message) for n in app._notifications)
        )
        await pilot.press("s")  # Away: back to Available at once
        await settle(pilot, lambda: "● Available" in str(status.render()))
        assert available(store)
        await pilot.press("s", "enter")  # Enter on the first reason: the quick way
        await settle(pilot, lambda: "○ Away (Break)" in str(status.render()))


async def test_no_answer_shows_away_and_s_makes_available(tmp_path: Path) -> None:
    config = offering(tmp_path / "ws", timeout=1)
    store = open_store(config)
    deliver(store, config, mail(1), mail(2))
    try:
        app = make_app(config)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot, lambda: table(app).row_count == 2 and available(store))
            assert distribution.distribute(store, config).offered
            await settle(pilot, lambda: "Offered to you" in banner_text(app))
            await settle(pilot, lambda: bool(distribution.distribute(store, config).expired))
            status = screen(app).query_one("#status")
            await settle(pilot, lambda: "○ Away (no answer)" in str(status.render()))
            await settle(pilot, lambda: banner_text(app) == "")
            assert any("no answer" in str(n.message) for n in app._notifications)
            await pilot.press("s")
            await settle(pilot, lambda: "● Available" in str(status.render()))
            assert available(store)
    finally:
        store.close()


async def test_t_in_an_offer_group_says_why(config: Config, store: Store) -> None:
    app = make_app(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, lambda: table(app).row_count == 2 and available(store))
        await pilot.press("t")
        await settle(
            pilot,
            lambda: any(
                "offers its e-mails one by one" in str(n.message) for n in app._notifications
            ),
        )
        row = store.query_one("SELECT state FROM conversations WHERE id = 1")
        assert row is not None and row[0] == "queued"


async def test_an_accept_too_late_says_so(config: Config, store: Store) -> None:
    app = make_app(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await offered(pilot, app, store, config)
        # A supervisor sets alice Away meanwhile: her offer is withdrawn.
        distribution.change_state(store, config, "carol", "alice", "away", "Meeting")
        await pilot.press("f5")
        said = ("is not offered to you (any more)", "No e-mail is offered to you.")
        await settle(
            pilot,
            lambda: any(w in str(n.message) for n in app._notifications for w in said),
        )
        await settle(pilot, lambda: banner_text(app) == "")
        assert all("Traceback" not in str(n.message) for n in app._notifications)
        row = store.query_one("SELECT state FROM conversations WHERE id = 1")
        assert row is not None and row[0] == "queued"
