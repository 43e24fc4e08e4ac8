"""To and Cc complete addresses from the service group's archive while the agent types.

The element being typed (after the last comma, or wherever the cursor is in
the list) is looked up in a worker: addresses that wrote to the group or that
it wrote to, whose address or display name starts with it
(:meth:`engine.service.ContactCenter.correspondents`). Up to six show in a
list under the field as ``Name <address>``; ↓ and ↑ pick one, Enter takes it
(the element becomes ``Name <address>, ``), Esc closes the list. Tab still
moves to the next field (a priority key of the consoles:
:mod:`micc_tui.widgets.focus_keys`), and closes the list on the way.

Names come from e-mails: the list shows them through :mod:`micc_tui.widgets.safe`,
and what is taken into the field is made inert like everything typed there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from textual import events, on, work
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.geometry import Offset
from textual.widgets import Input, OptionList

from engine.archive import Correspondent
from engine.mail.addresses import element_at, recipient, typed_addresses
from micc_tui.widgets.inert_fields import InertInput
from micc_tui.widgets.safe import one_line
from micc_tui.workers import ReportsWorkerFailures

#: How many addresses the list offers at most (it fits under To at 80x24).
SHOWN = 6
#: Looks up the addresses that complete a typed text (in a worker thread).
Lookup = Callable[[str], list[Correspondent]]


@dataclass(frozen=True)
class Typed:
    """The element being typed: where it starts in the field and what it is so far."""

    start: int
    end: int
    text: str


def typed_at(value: str, cursor: int) -> Typed | None:
    """The element of ``value`` the cursor ends, if there is one to complete.

    Only when nothing but spaces follows the cursor within the element, and
    what precedes it is a beginning (not yet a quoted name or ``<...>``).
    """
    start, end = element_at(value, cursor)
    if value[cursor:end].strip():
        return None
    text = value[start:cursor].lstrip()
    if not text or any(ch in text for ch in '<>"'):
        return None
    return Typed(start, end, text)


def as_element(found: Correspondent) -> str:
    """``Name <address>`` as the field reads it back (the bare address when it would not)."""
    name = one_line(found.name)  # from an e-mail: what the field holds is inert anyway
    try:
        element = recipient(name, found.address) if name else found.address
    except (ValueError, IndexError):
        return found.address
    good, bad = typed_addresses(element)
    if bad or len(good) != 1 or good[0][1] != found.address:
        return found.address
    return element


def completed(value: str, typed: Typed, found: Correspondent) -> tuple[str, int]:
    """``value`` with the typed element replaced by ``found``; the cursor after it."""
    before = value[: typed.start]
    lead = " " if before.strip() else ""
    after = value[typed.end :]
    taken = before.rstrip(" ") + lead + as_element(found)
    if not after.strip():
        taken += ", "
        return taken, len(taken)
    return taken + after, len(taken)


class AddressChoices(OptionList):
    """The addresses offered under a field; it never takes the focus from the field."""

    can_focus = False

    def __init__(self, field: AddressInput) -> None:
        super().__init__(classes="address-choices")
        self.field = field
        self.found: list[Correspondent] = []

    def offer(self, found: list[Correspondent]) -> None:
        """Show ``found`` (the first picked) under the field, or hide when there are none."""
        self.found = found
        self.clear_options()
        self.add_options(
            [Content(one_line(f"{c.name} <{c.address}>" if c.name else c.address)) for c in found]
        )
        self.display = bool(found)
        if found:
            self.highlighted = 0
            region = self.field.region
            self.absolute_offset = Offset(region.x, region.bottom)

    def close(self) -> None:
        """Hide the list."""
        self.found = []
        self.display = False

    @on(OptionList.OptionSelected)
    def _clicked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.field.take(event.option_index)


class AddressInput(InertInput, ReportsWorkerFailures):
    """To or Cc: a list of addresses, completing the element being typed from the archive.

    Args:
        value: the addresses the draft starts with.
        lookup: finds the addresses for a typed beginning (blocking; run in a worker).
        **kwargs: as for :class:`~textual.widgets.Input` (it is compact, like the
            composer's other fields).
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down", "pick(1)", "Next address", show=False),
        Binding("up", "pick(-1)", "Previous address", show=False),
        Binding("enter", "take", "Take the address", show=False),
        Binding("escape", "close", "Close the addresses", show=False),
    ]

    def __init__(self, value: str, *, lookup: Lookup, **kwargs: Any) -> None:
        super().__init__(value, compact=True, **kwargs)
        self.lookup = lookup
        self.choices = AddressChoices(self)
        self._typed: Typed | None = None

    def on_mount(self) -> None:
        self.choices.display = False
        self.screen.mount(self.choices)

    def on_unmount(self) -> None:
        self.choices.remove()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """↓ ↑ and Esc are the list's while it shows; otherwise they are the screen's."""
        if action in ("pick", "close"):
            return bool(self.choices.display)
        return True

    # -- looking up ---------------------------------------------------------------

    @on(Input.Changed)
    def _look_up(self, event: Input.Changed) -> None:
        if event.input is not self:
            return
        self._typed = typed_at(self.value, self.cursor_position) if self.has_focus else None
        if self._typed is None:
            self.choices.close()
            return
        self.find(self._typed.text)

    @work(
        thread=True,
        exclusive=True,
        group="addresses",
        exit_on_error=False,
        description="find_addresses",
    )
    def find(self, text: str) -> None:
        """Look up the addresses that complete ``text`` (the element being typed)."""
        found = self.lookup(text)
        self.app.call_from_thread(self._found, text, found)

    def _found(self, text: str, found: list[Correspondent]) -> None:
        if self._typed is None or self._typed.text != text or not self.has_focus:
            return  # typed on meanwhile: a newer lookup is on its way
        good, _ = typed_addresses(self.value[: self._typed.start] + self.value[self._typed.end :])
        there = {address.lower() for _, address in good}
        self.choices.offer([c for c in found if c.address.lower() not in there][:SHOWN])

    def on_blur(self, event: events.Blur) -> None:
        self.choices.close()

    # -- keys ---------------------------------------------------------------------

    def action_pick(self, step: int) -> None:
        """Pick the next (1) or previous (-1) address of the list."""
        count = self.choices.option_count
        current = self.choices.highlighted or 0
        self.choices.highlighted = (current + step) % count if count else None

    async def action_take(self) -> None:
        """Take the picked address into the field (Enter without a list: submit)."""
        if self.choices.display and self.choices.highlighted is not None:
            self.take(self.choices.highlighted)
        else:
            await self.action_submit()

    def action_close(self) -> None:
        """Close the list; the typed text stays."""
        self._typed = None
        self.choices.close()

    def take(self, index: int) -> None:
        """Put address ``index`` of the list in place of the element being typed."""
        if self._typed is None or not 0 <= index < len(self.choices.found):
            return
        value, cursor = completed(self.value, self._typed, self.choices.found[index])
        self._typed = None
        self.choices.close()
        self.value = value
        self.cursor_position = cursor


__all__ = ["AddressChoices", "AddressInput", "Typed", "as_element", "completed", "typed_at"]
