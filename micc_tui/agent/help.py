"""The agent console's keys, and the help screen (``?``) that lists them.

:data:`KEYS` names each key as its binding does, so a test can hold it
against the console's bindings: a key added without a line here is caught.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Label, Static

#: One line of help: the keys (as bindings name them) and what they do.
KeyLine = tuple[tuple[str, ...], str]

#: Every key of the agent console, by where it works.
KEYS: tuple[tuple[str, tuple[KeyLine, ...]], ...] = (
    (
        "An e-mail offered to you (the banner)",
        (
            (("enter",), "on the desk: accept it and open it"),
            (("f5",), "accept it, anywhere (the composer too)"),
            (("f6",), "reject it, with a reason"),
        ),
    ),
    (
        "Queue",
        (
            (("up", "down", "k", "j"), "move"),
            (("pageup", "pagedown"), "a screenful up / down"),
            (("home", "end", "g", "G"), "first / last e-mail"),
            (("enter",), "take the e-mail (reply, if it is yours)"),
            (("slash",), "filter: Enter keeps it, Esc clears it"),
            (("tab", "shift+tab"), "next / previous pane"),
        ),
    ),
    (
        "Reading pane",
        (
            (("home", "end", "g", "G"), "top / bottom of the e-mail"),
            (("slash",), "search it: Enter back to the text, Esc closes"),
            (("n", "N"), "while searching: next / previous place found"),
            (("shift+enter",), "while searching: previous too (Enter: next)"),
        ),
    ),
    (
        "Work",
        (
            (("n",), "take the next (oldest) e-mail"),
            (("t",), "take the selected e-mail"),
            (("b",), "put it back in the queue"),
            (("x",), "transfer to another group, with a note"),
            (("c",), "close without reply, with a reason"),
            (("J",), "mark as junk"),
            (("p",), "wait for the customer's answer (reminder)"),
        ),
    ),
    (
        "Write",
        (
            (("r", "R"), "reply / reply all"),
            (("f",), "forward"),
            (("w",), "new e-mail (groups with an address)"),
        ),
    ),
    (
        "E-mail",
        (
            (("h",), "the customer's past conversations"),
            (("i",), "its trail and internal notes"),
            (("N",), "write an internal note (never sent)"),
            (("left_square_bracket", "right_square_bracket"), "earlier / later e-mail of it"),
            (("a",), "save its attachments"),
            (("m",), "show all of a long e-mail"),
            (("d",), "save its text to ~/Downloads"),
        ),
    ),
    (
        "Views and me",
        (
            (("1", "2", "3"), "in hand / all my groups / waiting"),
            (("s",), "Available / Away (pick why: Enter, the first)"),
            (("v",), "review decisions on my replies"),
        ),
    ),
    (
        "Composer",
        (
            (("ctrl+s",), "send (or send to review)"),
            (("f9",), "send, then wait for the customer"),
            (("ctrl+r",), "insert a response (type to filter)"),
            (("::word",), "then Space: the response with that shortcut"),
            (("f7",), "next misspelling, with suggestions"),
            (("ctrl+l",), "spelling language"),
            (("ctrl+t",), "attach a file"),
            (("f8",), "preview: what the customer will see"),
            (("down", "up"), "in To / Cc: pick an address from the archive"),
            (("enter",), "in To / Cc: take the picked address"),
            (("escape",), "in To / Cc: close the addresses"),
            (("ctrl+n",), "twice: start over (the saved draft goes)"),
            (("escape",), "twice: discard the e-mail and its draft"),
        ),
    ),
    (
        "Anywhere",
        (
            (("question_mark",), "this help (Esc closes it)"),
            (("ctrl+p",), "command palette (themes too)"),
            (("f2",), "in the demo: the supervisor console"),
            (("ctrl+q",), "quit"),
        ),
    ),
)

#: How a binding's key name is written for people.
_SHOWN = {
    "up": "↑",
    "down": "↓",
    "pageup": "PgUp",
    "pagedown": "PgDn",
    "home": "Home",
    "end": "End",
    "enter": "Enter",
    "escape": "Esc",
    "tab": "Tab",
    "shift+tab": "Shift+Tab",
    "shift+enter": "Shift+Enter",
    "slash": "/",
    "left_square_bracket": "[",
    "right_square_bracket": "]",
    "question_mark": "?",
}

#: Width of the keys' column.
_KEYS_WIDTH = 16


def shown(key: str) -> str:
    """A binding's key as people write it: ``ctrl+s`` is ``Ctrl+S``, ``f7`` is ``F7``."""
    if key in _SHOWN:
        return _SHOWN[key]
    if key.startswith("ctrl+"):
        return "Ctrl+" + key[5:].upper()
    if len(key) > 1 and key[0] == "f" and key[1:].isdigit():
        return key.upper()
    return key


def help_text() -> Content:
    """The keys as lines: a bold heading per place, then one key line under it."""
    lines: list[Content] = []
    for place, key_lines in KEYS:
        if lines:
            lines.append(Content(""))
        lines.append(Content.styled(place, "bold"))
        for keys, does in key_lines:
            lines.append(Content(f"  {' '.join(shown(k) for k in keys):<{_KEYS_WIDTH}}{does}"))
    return Content("\n").join(lines)


class HelpScreen(ModalScreen[None]):
    """Every key, in a list that scrolls (↑ ↓ PgUp PgDn) where the screen is short."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss(None)", "Close")
    ]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="help"):
            yield Label("Agent console keys", classes="dialog-title")
            with VerticalScroll(id="help-keys"):
                yield Static(help_text(), id="help-text")
            yield Static("↑ ↓ PgUp PgDn scroll · Esc closes", classes="dialog-note")

    def on_mount(self) -> None:
        self.query_one("#help-keys", VerticalScroll).focus()


__all__ = ["KEYS", "HelpScreen", "help_text", "shown"]
