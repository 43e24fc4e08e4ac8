"""The supervisor console through Pilot: each tab's keys, live updates, untrusted text."""

from __future__ import annotations

from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Sparkline, Static

from engine import queue
from engine.bootstrap import open_store
from engine.config import Config
from engine.store import Store
from micc_tui.cli.main import main
from micc_tui.supervisor import SupervisorApp
from micc_tui.supervisor.conversation import ConversationScreen
from micc_tui.supervisor.modals import ChoicePrompt, TextPrompt
from micc_tui.supervisor.tabs.agents import AgentTable
from micc_tui.supervisor.tabs.dashboard import GroupTable
from micc_tui.supervisor.tabs.problems import ProblemsTab
from micc_tui.widgets.body_view import BodyView
from tests.agent_fixtures import deliver, mail
from tests.supervisor_fixtures import HOSTILE, app_for, populate, wait_for


@pytest.fixture
def store(config: Config) -> Store:
    store = open_store(config)
    populate(store, config)
    return store


def cell_text(table: DataTable[Any], row: str, column: str) -> str:
    return str(getattr(table.get_cell(row, column), "plain", table.get_cell(row, column)))


def table(app: SupervisorApp, selector: str) -> DataTable[Any]:
    return app.query_one(selector, DataTable)


async def search(app: SupervisorApp, pilot: Pilot[Any], words: str, rows: int) -> DataTable[Any]:
    """Search the archive tab for ``words``; wait for ``rows`` hits; the hits table."""
    await pilot.press("6")
    app.query_one("#search", Input).focus()
    await pilot.press(*words, "enter")
    hits = table(app, "#hits")
    await wait_for(pilot, lambda: hits.row_count == rows)
    return hits


def figure(app: SupervisorApp, group: str, column: str) -> str:
    """A dashboard cell by group name and column title ('' until the row is there)."""
    groups = app.query_one(GroupTable)
    titles = [c.title for c in groups.columns]
    row = next((r for r in groups.rows() if r.cells[0] == group), None)
    return row.cells[titles.index(column)] if row else ""


async def test_dashboard_shows_each_group_and_arrivals(config: Config, store: Store) -> None:
    app = app_for(config)
    async with app.run_test(size=(100, 30)) as pilot:
        groups = app.query_one(GroupTable)
        await wait_for(pilot, lambda: groups.row_count == 3)
        assert figure(app, "Sales", "Queued") == "2"
        assert figure(app, "Sales", "Working") == "1"
        assert figure(app, "Sales", "Oldest") == "1h 29m"
        assert figure(app, "Support", "Queued") == "1"
        assert figure(app, "Sales", "Agents") == "1/1"
        assert figure(app, "Marketing", "Review") == "1"
        oldest = [c.title for c in groups.columns].index("Oldest")
        marks = {r.cells[0]: r.marks[oldest] for r in groups.rows()}  # type: ignore[attr-defined]
        assert marks == {
            "Sales": "group-table--warn",
            "Marketing": "",
            "Support": "group-table--alarm",
        }
        assert sum(app.query_one(Sparkline).data or []) == 7
        totals = str(app.query_one("#totals", Static).render())
        assert "2 unrouted" in totals


async def test_new_mail_updates_rows_in_place_and_keeps_the_cursor(
    config: Config, store: Store
) -> None:
    app = app_for(config)
    async with app.run_test(size=(100, 30)) as pilot:
        groups = app.query_one(GroupTable)
        await wait_for(pilot, lambda: groups.row_count == 3)
        groups.focus()
        await pilot.press("down", "down")
        assert groups.cursor_key == 2
        deliver(store, config, mail(20, to="Solidus.Support@seclab.com"), start=100)
        await wait_for(pilot, lambda: figure(app, "Support", "Queued") == "2")
        assert groups.cursor_key == 2


async def test_routing_deactivate_activate_and_try_an_address(config: Config, store: Store) -> None:
    app = app_for(config)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("2")
        accesses = table(app, "#accesses")
        await wait_for(pilot, lambda: accesses.row_count == 4)
        accesses.focus()
        assert accesses.get_row_index("Sales") == 0
        await pilot.press("d", "y")  # y: it asks first
        await wait_for(pilot, lambda: cell_text(accesses, "Sales", "active") == "no")
        accesses.move_cursor(row=accesses.get_row_index("Sales"))
        await pilot.press("a")
        await wait_for(pilot, lambda: cell_text(accesses, "Sales", "order") == "5")
        assert accesses.get_row_index("Sales") == 3  # now last in activation order
        await pilot.press("t")
        await pilot.press(*"Solidus.Sales.EU@seclab.com", "enter")
        result = app.query_one("#tester-result", Static)
        await wait_for(pilot, lambda: "goes to Sales" in str(result.render()))


async def test_problems_assign_and_discard(config: Config, store: Store) -> None:
    app = app_for(config)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("4")
        problems = table(app, "#problems")
        await wait_for(pilot, lambda: problems.row_count == 2)
        problems.focus()
        assert cell_text(problems, "c5", "subject") == " ".join(
            HOSTILE.replace("\x1b", "\\x1b").split()
        )
        await pilot.press("g")
        assert isinstance(app.screen, ChoicePrompt)
        await pilot.press("down", "down", "enter")  # Sales, Marketing, Support
        await wait_for(pilot, lambda: problems.row_count == 1)
        item = queue.get_item(store, 5)
        assert item is not None and item.state == "queued" and item.service_group == "Support"
        await pilot.press("x")
        assert isinstance(app.screen, TextPrompt)
        await pilot.press("enter")  # a reason is required: the prompt stays
        assert isinstance(app.screen, TextPrompt)
        await pilot.press(*"typo, customer told", "enter")
        await wait_for(pilot, lambda: problems.row_count == 0)
        closed = queue.get_item(store, 6)
        assert closed is not None and closed.state == "closed"
        assert closed.reason == "typo, customer told"


async def test_cells_cut_before_the_tab_was_laid_out_are_made_again(
    config: Config, store: Store
) -> None:
    # Data that lands before a hidden tab has its width is cut to the narrowest;
    # once the tab is on screen the cells and their columns must follow its width.
    app = app_for(config)
    async with app.run_test(size=(160, 50)) as pilot:
        await wait_for(pilot, lambda: app.board is not None)
        tab = app.query_one(ProblemsTab)
        problems = table(app, "#problems")
        assert problems.size.width == 0
        tab.show(app.supervision.problems())
        assert cell_text(problems, "c5", "to") == "info@elsewher…"
        await pilot.press("4")
        await wait_for(pilot, lambda: cell_text(problems, "c5", "to") == "info@elsewhere.example")
        await pilot.pause(0.1)
        to = next(c for c in problems.columns.values() if c.key.value == "to")
        assert to.get_render_width(problems) >= len("info@elsewhere.example") + 2


async def test_retry_routes_a_problem_after_activation(config: Config, store: Store) -> None:
    app = app_for(config)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("4")
        problems = table(app, "#problems")
        await wait_for(pilot, lambda: problems.row_count == 2)
        problems.focus()
        await pilot.press("t")  # info@elsewhere matches nothing: it stays
        await pilot.pause(0.2)
        assert problems.row_count == 2
        assert queue.get_item(store, 5).state == "unrouted"  # type: ignore[union-attr]


async def test_agents_release_one_e_mail(config: Config, store: Store) -> None:
    app = app_for(config)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("5")
        agents = app.query_one(AgentTable)
        hand = table(app, "#in-hand")

        def agent(agent_id: str) -> Any:
            return next(r for r in agents.rows() if r.cells[0] == agent_id)

        await wait_for(pilot, lambda: agents.row_count == 3 and hand.row_count == 1)
        assert agent("alice").cells[2:5] == ("Available", "10s", "1/5")
        assert agent("carol").cells[2] == "Logged out" and agent("carol").dim
        hand.focus()
        await pilot.press("r", "y")  # y: it asks first
        await wait_for(pilot, lambda: hand.row_count == 0)
        assert queue.get_item(store, 7).state == "queued"  # type: ignore[union-attr]
        await wait_for(pilot, lambda: agent("alice").cells[4] == "0/5")


async def test_archive_search_and_conversation(config: Config, store: Store) -> None:
    app = app_for(config)
    async with app.run_test(size=(100, 30)) as pilot:
        await search(app, pilot, "ORD-054321", 1)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConversationScreen))
        screen = app.screen
        await wait_for(pilot, lambda: len(screen.query(".message-body")) == 1)
        body = screen.query(".message-body").first(BodyView)
        assert "ORD-054321" in body.text
        await pilot.press("escape")
        assert not isinstance(app.screen, ConversationScreen)


async def test_archive_shows_more_hits_on_m(config: Config, store: Store) -> None:
    deliver(
        store, config, *(mail(100 + n, subject=f"Widget order {n}") for n in range(60)), start=100
    )
    app = app_for(config)
    async with app.run_test(size=(100, 30)) as pilot:
        hits = await search(app, pilot, "widget", 50)
        status = app.query_one("#hits-status", Static)
        assert "50+ e-mail(s)" in str(status.render()) and "m shows more" in str(status.render())
        hits.move_cursor(row=49)
        await pilot.press("m")
        await wait_for(pilot, lambda: hits.row_count == 60)
        assert "60 e-mail(s)" in str(status.render())
        assert "more" not in str(status.render())
        assert hits.cursor_row == 49  # still on the row the supervisor was reading
        subjects = [cell_text(hits, str(key.value), "subject") for key in hits.rows]
        assert sorted(subjects) == sorted(f"Widget order {n}" for n in range(60))
        # Back to the search box: "/" there, or the tab's own number again.
        box = app.query_one("#search", Input)
        assert not box.has_focus
        await pilot.press("slash")
        assert box.has_focus
        hits.focus()
        await pilot.press("6")
        assert box.has_focus


async def test_health_tab_lists_parts_and_outbox(config: Config, store: Store) -> None:
    app = app_for(config)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("7")
        health = table(app, "#health")
        await wait_for(pilot, lambda: health.row_count >= 3)
        assert "IDLE alive" in cell_text(health, "fetcher", "detail")
        assert cell_text(health, "outbox", "detail").startswith("0 waiting")


async def test_untrusted_names_stay_literal_in_the_conversation(
    config: Config, store: Store
) -> None:
    app = app_for(config)
    async with app.run_test(size=(100, 30)) as pilot:
        await search(app, pilot, "money", 1)
        await pilot.press("enter")
        await wait_for(pilot, lambda: len(app.screen.query(".message-head")) == 1)
        head = str(app.screen.query(".message-head").first(Static).render())
        assert "[red]Eve[/red]" in head and "[bold]Free[/bold] [/x]" in head
        assert "\x1b" not in head and "\\x1b[2J" in head


def test_non_supervisors_are_refused(config: Config, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--config", str(config.source), "supervisor", "--agent", "alice"])
    assert exit_info.value.code == 2
    assert "alice is an agent, not a supervisor" in capsys.readouterr().err


async def test_a_store_error_pauses_live_figures_without_ending_them(
    config: Config, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3

    from micc_tui.supervisor import app as app_module

    monkeypatch.setattr(app_module, "AGEING_SECONDS", 0.1)
    app = app_for(config)
    real = app.supervision.change_stamp
    calls = {"n": 0}

    def flaky() -> tuple[object, ...]:
        calls["n"] += 1
        if calls["n"] == 1:
            raise sqlite3.OperationalError("database is locked")
        return real()

    monkeypatch.setattr(app.supervision, "change_stamp", flaky)
    async with app.run_test(size=(100, 30)) as pilot:
        groups = app.query_one(GroupTable)
        await wait_for(pilot, lambda: groups.row_count == 3)
        assert any("database is locked" in str(n.message) for n in app._notifications)
