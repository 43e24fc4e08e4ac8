"""Engine health: connector state, last fetch, IDLE, outbox backlog, throttling, errors."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult

from engine.supervision.health import HealthRow
from micc_tui.supervisor.tabs.base import (
    SupervisorTab,
    address_width,
    cell,
    short_time,
    sync_rows,
)
from micc_tui.widgets.fit_table import FitTable

COLUMNS = (("part", "Part"), ("state", "State"), ("detail", "Detail"), ("updated", "Updated"))


class HealthTable(FitTable):
    """Health rows; state colours come from the stylesheet."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "health-table--ok",
        "health-table--warn",
        "health-table--error",
    }


class HealthTab(SupervisorTab):
    """Each engine part's state, in words."""

    TITLE = "Health"

    def compose(self) -> ComposeResult:
        table = HealthTable(flex="detail", id="health", cursor_type="row", zebra_stripes=True)
        for key, title in COLUMNS:
            table.add_column(title, key=key)
        yield table

    def load(self, params: None) -> list[HealthRow]:
        """Every part's row."""
        return self.supervision.health()

    def show(self, data: list[HealthRow]) -> None:
        """Rows by part name."""
        table = self.query_one(HealthTable)
        wide = address_width(table)
        with self.app.batch_update():
            sync_rows(
                table,
                [
                    (
                        r.name,
                        [
                            cell(r.name, wide),
                            self._state(table, r.state, r.band),
                            cell(r.detail),
                            cell(short_time(r.updated)),
                        ],
                    )
                    for r in data
                ],
            )

    @staticmethod
    def _state(table: HealthTable, state: str, band: str) -> Text:
        text = cell(state)
        text.stylize(table.get_component_rich_style(f"health-table--{band}", partial=True))
        return text
