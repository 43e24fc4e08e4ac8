"""Routing: service accesses in activation order, overlaps, and an address tester."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Input, Static
from textual.widgets.input import Selection

from engine.access import AccessState
from engine.router import Overlap
from engine.supervision.routing import AddressTest
from micc_tui.supervisor.modals import ConfirmPrompt
from micc_tui.supervisor.tabs.base import SupervisorTab, cell, sync_rows
from micc_tui.widgets.fit_table import FitTable
from micc_tui.widgets.safe import one_line

COLUMNS = (
    ("order", "Order"),
    ("name", "Service access"),
    ("pattern", "Address pattern"),
    ("group", "Service group"),
    ("active", "Active"),
)


@dataclass(frozen=True)
class RoutingData:
    """What the routing tab shows."""

    accesses: list[AccessState]
    overlaps: list[Overlap]
    test: AddressTest | None


class RoutingTab(SupervisorTab):
    """Activate and deactivate service accesses; see overlaps; try an address."""

    TITLE = "Routing"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "activate", "Activate"),
        Binding("d", "deactivate", "Deactivate"),
        Binding("t", "focus_tester", "Try address"),
        Binding("escape", "leave_tester", "Back to the list", show=False),
    ]

    #: The address under test, kept here so loading never reads a widget.
    address = ""

    def compose(self) -> ComposeResult:
        table = FitTable(flex="pattern", id="accesses", cursor_type="row", zebra_stripes=True)
        for key, title in COLUMNS:
            table.add_column(title, key=key)
        yield table
        yield Static("", id="overlaps")
        yield Input(
            placeholder="Who would get this address? e.g. Solidus.Sales.EU@seclab.com", id="tester"
        )
        yield Static("", id="tester-result")

    def load_params(self) -> str:
        """The address under test."""
        return self.address

    def load(self, params: str) -> RoutingData:
        """Accesses in order, overlaps, and the address ``params`` routed."""
        address = params
        return RoutingData(
            self.supervision.accesses(),
            self.supervision.overlaps(),
            self.supervision.try_address(address) if address.strip() else None,
        )

    def show(self, data: RoutingData) -> None:
        """Rows by access name, then the overlap warnings and the tester's answer."""
        table = self.query_one("#accesses", DataTable)
        with self.app.batch_update():
            sync_rows(
                table,
                [
                    (
                        s.name,
                        [
                            cell(s.order or ""),
                            cell(s.name),
                            cell(s.address),
                            cell(s.service_group),
                            cell("yes" if s.active else "no"),
                        ],
                    )
                    for s in data.accesses
                ],
            )
            self.query_one("#overlaps", Static).update(self._overlaps(data.overlaps))
            self._show_test(data.test)

    @staticmethod
    def _overlaps(overlaps: list[Overlap]) -> Text:
        if not overlaps:
            return Text("No overlapping address patterns.")
        lines = Text("Overlaps (the access activated first wins):", style="bold")
        for overlap in overlaps:
            lines.append(
                f"\n  {overlap.first} and {overlap.second} both match {overlap.example}",
                style="not bold",
            )
        return lines

    def _show_test(self, test: AddressTest | None) -> None:
        # The answer starts with the address typed, however long: it wraps, folding
        # an address wider than the screen, so all of it shows.
        words = one_line(test.summary()) if test else "Type an address and press Enter."
        self.query_one("#tester-result", Static).update(Text(words, overflow="fold"))

    def _selected(self) -> str | None:
        key = self.key_of(self.query_one("#accesses", DataTable))
        return str(key) if key is not None else None

    def action_activate(self) -> None:
        """Activate the highlighted access: it goes last in activation order."""
        name = self._selected()
        if name is not None:
            self.act(
                lambda: self.supervision.activate(name),
                lambda changed: (
                    f"{name} activated (last in order)" if changed else f"{name} was already active"
                ),
            )

    def action_deactivate(self) -> None:
        """Deactivate the highlighted access, once the supervisor confirms."""
        name = self._selected()
        if name is None:
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.act(
                    lambda: self.supervision.deactivate(name),
                    lambda changed: f"{name} deactivated" if changed else f"{name} was not active",
                )

        self.app.push_screen(
            ConfirmPrompt(
                f"Deactivate the service access {name}?",
                "Its e-mails go to the next matching access, or stay unrouted; "
                "activated again, it goes last in order.",
                verb="Deactivate",
            ),
            answered,
        )

    def action_focus_tester(self) -> None:
        """Put the cursor in the address tester."""
        self.query_one("#tester", Input).focus()

    def action_leave_tester(self) -> None:
        """Escape in the address tester: back to the list of accesses."""
        if self.query_one("#tester", Input).has_focus:
            self.query_one("#accesses", DataTable).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Route the typed address; show it from its start, selected to type the next one."""
        event.stop()
        self.address = event.value
        event.input.selection = Selection(len(event.value), 0)
        self.reload()
