"""The dashboard: every service group's queue at a glance, live."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import DataTable, Label, Sparkline, Static

from engine.supervision.dashboard import Dashboard, GroupFigures
from micc_tui.supervisor.tabs.base import SupervisorTab, cell, number, sync_rows

COLUMNS = (("group", "Service group"), ("queued", "Queued"), ("progress", "Working"),
           ("review", "Review"), ("oldest", "Oldest"), ("answered", "Answered"),
           ("agents", "Agents"))


def waited(minutes: float | None) -> str:
    """A waiting time as a person reads it: ``-``, ``12m``, ``2h 05m``, ``3d 4h``."""
    if minutes is None:
        return "-"
    whole = int(minutes)
    if whole < 60:
        return f"{whole}m"
    if whole < 24 * 60:
        return f"{whole // 60}h {whole % 60:02d}m"
    return f"{whole // 1440}d {whole % 1440 // 60}h"


class GroupTable(DataTable[Any]):
    """The per-group table; colours of waiting times come from the stylesheet."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"group-table--warn", "group-table--alarm"}


class DashboardTab(SupervisorTab):
    """Per-group figures and arrivals per minute; fed by the app's live poller."""

    TITLE = "Dashboard"

    def compose(self) -> ComposeResult:
        table = GroupTable(id="groups", cursor_type="row", zebra_stripes=True)
        for key, title in COLUMNS:
            table.add_column(title, key=key)
        yield table
        with Horizontal(id="arrivals-row"):
            yield Label("Arrivals/min\nlast 30 min", id="arrivals-label")
            yield Sparkline([0] * 30, summary_function=max, id="arrivals")
        yield Static("", id="totals")

    def load(self) -> Dashboard:
        """Compute the figures (the poller usually does this for us)."""
        return self.supervision.dashboard()

    def show(self, data: Dashboard) -> None:
        """Update rows by key, the sparkline and the totals line."""
        table = self.query_one(GroupTable)
        with self.app.batch_update():
            sync_rows(table, [(g.name, self._cells(table, g)) for g in data.groups])
            self.query_one(Sparkline).data = list(data.arrivals)
            self.query_one("#totals", Static).update(self._totals(data))

    @staticmethod
    def _cells(table: GroupTable, group: GroupFigures) -> list[object]:
        oldest = Text(waited(group.oldest_minutes), justify="right")
        if group.level != "ok":
            # partial: only the colour, so zebra stripes and the cursor show through.
            style = table.get_component_rich_style(f"group-table--{group.level}", partial=True)
            oldest.stylize(style)
        return [cell(group.name), number(group.queued), number(group.in_progress),
                number(group.pending_review), oldest, number(group.answered_today),
                Text(f"{group.agents_logged_in}/{group.agents_available}", justify="right")]

    @staticmethod
    def _totals(data: Dashboard) -> Text:
        queued = sum(g.queued for g in data.groups)
        review = sum(g.pending_review for g in data.groups)
        answered = sum(g.answered_today for g in data.groups)
        arrived = sum(data.arrivals)
        return Text(f"{queued} queued · {review} review · {answered} answered · "
                    f"{arrived} new in 30 min · {data.unrouted} unrouted · {data.failed} failed"
                    "\nWorking = taken by an agent · Agents = logged in/available")
