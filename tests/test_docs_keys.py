"""The README's key tables and the consoles' docs name every key the consoles bind.

A key added to a console without a word in the README and in
docs/consoles.md (the agent's) or docs/supervisor.md (the supervisor's) fails
here, as a key without a line in the help screen fails in the desk's tests.
"""

from __future__ import annotations

import inspect
from pathlib import Path
from types import ModuleType

from textual.binding import Binding

import micc_tui.supervisor.app
import micc_tui.supervisor.conversation
import micc_tui.supervisor.modals
import micc_tui.supervisor.queue_screen
import micc_tui.supervisor.tabs.agents
import micc_tui.supervisor.tabs.archive
import micc_tui.supervisor.tabs.base
import micc_tui.supervisor.tabs.dashboard
import micc_tui.supervisor.tabs.health
import micc_tui.supervisor.tabs.problems
import micc_tui.supervisor.tabs.review
import micc_tui.supervisor.tabs.routing
from micc_tui.agent.help import shown
from tests.test_agent_console_desk import bound_keys

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
#: Moving around (arrows, pages, panes) is written once for every table, not per key.
NAVIGATION = {
    "up", "down", "left", "right", "j", "k", "pageup", "pagedown",
    "tab", "shift+tab", "ctrl+home", "ctrl+end",
}  # fmt: skip


def named(key: str, text: str) -> bool:
    """Whether ``text`` writes the key as code: `` `Ctrl+S` `` or inside a run of keys."""
    word = shown(key)
    return any(f"{left}{word}{right}" in text for left in ("`", " ") for right in ("`", " "))


def agent_table() -> str:
    start = README.index("| keys | action |")
    return README[start : README.index("**Supervisor console**")]


def supervisor_table() -> str:
    start = README.index("**Supervisor console**")
    return README[start : README.index("Text from e-mails (subjects")]


def supervisor_keys() -> set[str]:
    modules: list[ModuleType] = [
        micc_tui.supervisor.app,
        micc_tui.supervisor.conversation,
        micc_tui.supervisor.modals,
        micc_tui.supervisor.queue_screen,
        micc_tui.supervisor.tabs.agents,
        micc_tui.supervisor.tabs.archive,
        micc_tui.supervisor.tabs.base,
        micc_tui.supervisor.tabs.dashboard,
        micc_tui.supervisor.tabs.health,
        micc_tui.supervisor.tabs.problems,
        micc_tui.supervisor.tabs.review,
        micc_tui.supervisor.tabs.routing,
    ]
    keys: set[str] = set()
    for module in modules:
        for _, owner in inspect.getmembers(module, inspect.isclass):
            if owner.__module__ != module.__name__:
                continue
            for binding in getattr(owner, "BINDINGS", []):
                if isinstance(binding, Binding):
                    keys.update(binding.key.split(","))
    return keys


def test_every_agent_key_is_in_the_readme_and_docs_consoles() -> None:
    keys = bound_keys()
    assert {"N", "left_square_bracket", "g", "f8", "ctrl+n", "p", "f5", "f6"} <= keys
    consoles = (ROOT / "docs" / "consoles.md").read_text()
    missing = [k for k in sorted(keys) if not (named(k, agent_table()) and named(k, consoles))]
    assert missing == []


def test_every_supervisor_key_is_in_the_readme_and_docs_supervisor() -> None:
    keys = supervisor_keys() - NAVIGATION
    assert {"N", "i", "a", "r", "q", "slash"} <= keys
    digits = {k for k in keys if k.isdigit()}
    assert digits == {str(n) for n in range(1, 8)}
    doc = (ROOT / "docs" / "supervisor.md").read_text()
    assert "`1`…`7`" in supervisor_table() and "`1`...`7`" in doc
    missing = [
        k for k in sorted(keys - digits) if not (named(k, supervisor_table()) and named(k, doc))
    ]
    assert missing == []
