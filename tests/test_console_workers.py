"""Workers in both consoles: every failure is reported, no widget is touched off the UI thread."""

from __future__ import annotations

import ast
import importlib
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.dom import DOMNode
from textual.widgets import Input

import micc_tui
from engine.bootstrap import open_store
from engine.errors import MailServerError, MiccError, Refused
from micc_tui.agent.composer import ComposerScreen
from micc_tui.agent.dialogs import HistoryScreen
from micc_tui.agent.pickers import ResponsePicker, SuggestionPicker
from micc_tui.agent.spell_area import SpellTextArea
from micc_tui.supervisor.conversation import ConversationScreen
from micc_tui.workers import UNEXPECTED, ReportsWorkerFailures, ShowsWorkerFailures, in_words
from tests.agent_console_helpers import make_app, settle, table
from tests.agent_fixtures import deliver, mail, workspace
from tests.supervisor_fixtures import app_for, populate, wait_for

PACKAGE = Path(micc_tui.__file__).parent


def _is_work(decorator: ast.expr) -> bool:
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    return isinstance(target, ast.Name) and target.id == "work"


def classes_running_workers() -> Iterator[tuple[str, str]]:
    """(module, class) for every class in micc_tui with a ``@work`` method or a run_worker call."""
    for path in sorted(PACKAGE.rglob("*.py")):
        module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ClassDef):
                continue
            methods = [n for n in node.body if isinstance(n, ast.FunctionDef)]
            works = any(_is_work(d) for m in methods for d in m.decorator_list)
            runs = any(
                isinstance(n, ast.Attribute) and n.attr == "run_worker"
                for m in methods
                for n in ast.walk(m)
            )
            if works or runs:
                yield module, node.name


def test_every_class_running_workers_reports_their_failures() -> None:
    found = list(classes_running_workers())
    assert ("micc_tui.agent.composer", "ComposerScreen") in found
    assert ("micc_tui.supervisor.tabs.base", "SupervisorTab") in found
    for module, name in found:
        cls = getattr(importlib.import_module(module), name)
        assert issubclass(cls, ReportsWorkerFailures), f"{module}.{name}"


def test_every_console_shows_worker_failures() -> None:
    from micc_tui.agent.app import AgentApp
    from micc_tui.demo.console import DemoAgentApp
    from micc_tui.supervisor.app import SupervisorApp

    for app in (AgentApp, SupervisorApp, DemoAgentApp):
        assert issubclass(app, App) and issubclass(app, ShowsWorkerFailures), app


def test_errors_in_words() -> None:
    class NoGroup(Refused):
        title = "No such group"

    assert in_words(NoGroup("there is no group Sales")) == (
        "No such group",
        "there is no group Sales",
    )
    assert in_words(MailServerError("the server refused the login", "credentials")) == (
        "Mail server",
        "the server refused the login",
    )
    assert in_words(MiccError()) == ("Error", "Error")
    gone = FileNotFoundError(2, "No such file or directory", "/tmp/leaflet.pdf")
    assert in_words(gone) == (UNEXPECTED, "No such file or directory: /tmp/leaflet.pdf")
    assert in_words(RuntimeError("boom")) == (UNEXPECTED, "boom")
    assert in_words(KeyError()) == (UNEXPECTED, "KeyError")


@pytest.fixture
def off_thread(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every widget query or widget made outside the thread running the test's app."""
    ui = threading.get_ident()
    seen: list[str] = []

    def guarded(name: str, real: Callable[..., Any]) -> Callable[..., Any]:
        def call(self: DOMNode, *args: Any, **kwargs: Any) -> Any:
            if threading.get_ident() != ui:
                seen.append(f"{type(self).__name__}.{name}{args!r}")
            return real(self, *args, **kwargs)

        return call

    for name in ("query_one", "query", "__init__"):
        monkeypatch.setattr(DOMNode, name, guarded(name, getattr(DOMNode, name)))
    return seen


async def test_the_agent_console_touches_widgets_on_the_ui_thread_only(
    tmp_path: Path, off_thread: list[str]
) -> None:
    config = workspace(tmp_path / "ws")
    store = open_store(config)
    deliver(store, config, mail(1), mail(2, subject="Earlier question"))
    store.close()
    app = make_app(config)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, lambda: table(app).row_count >= 1)
        await pilot.press("n")
        await settle(pilot, lambda: table(app).row_count == 1)
        await pilot.press("h")
        await settle(pilot, lambda: isinstance(app.screen, HistoryScreen))
        await pilot.press("escape")
        await pilot.press("r")
        await settle(pilot, lambda: isinstance(app.screen, ComposerScreen))
        composer = app.screen
        assert isinstance(composer, ComposerScreen)
        area = composer.query_one("#composer-body", SpellTextArea)
        composer.query_one("#composer-subject", Input).value = "Your quote"
        await pilot.press(*"::quote", "space")
        await settle(pilot, lambda: "request for a quote" in area.text)
        await pilot.press("ctrl+r")
        await settle(pilot, lambda: isinstance(app.screen, ResponsePicker))
        await pilot.press("enter")
        await settle(pilot, lambda: app.screen is composer)
        await pilot.press(*"We recieved it ")
        await settle(pilot, lambda: any(m.word == "recieved" for m in area.marked))
        await pilot.press("f7")
        await settle(pilot, lambda: isinstance(app.screen, SuggestionPicker))
        await pilot.press("escape")
        await pilot.press("ctrl+l")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot, lambda: not isinstance(app.screen, ComposerScreen))
    assert off_thread == []


async def test_the_supervisor_console_touches_widgets_on_the_ui_thread_only(
    tmp_path: Path, off_thread: list[str]
) -> None:
    config = workspace(tmp_path / "ws")
    store = open_store(config)
    populate(store, config)
    store.close()
    app = app_for(config)
    async with app.run_test(size=(120, 34)) as pilot:
        for key in "1234576":  # the archive last: its search box takes the keys
            await pilot.press(key)
            await pilot.pause(0.1)
        app.query_one("#search", Input).focus()
        await pilot.press(*"ORD-054321", "enter")
        await wait_for(pilot, lambda: app.query_one("#hits").row_count >= 1)  # type: ignore[attr-defined]
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConversationScreen))
        await wait_for(pilot, lambda: len(app.screen.query("#messages > *")) >= 2)
    assert off_thread == []
