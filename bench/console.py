"""Agent console with a large queue: first paint, and keypress latency in the queue.

Usage: python bench/console.py [N]   (default 10,000 queued e-mails)
       python bench/console.py --thread [N]   (one conversation of N messages, default
       200, in the reading pane: see bench/console_thread.py)

First paint is measured from starting the app to the first frame that shows
queue rows (Textual start, the store read in a worker, the windowed table's
paint): the moment the table renders its first line holding an e-mail, which
happens while that frame is composed. "Settled" is when the console is idle
with all N rows read (what earlier runs called first paint). Keypress latency
is from sending a key to the screen being updated,
for cursor moves, page moves and typing into the queue filter (which filters
all N rows per keystroke). A plain DataTable of the same rows is timed in the
same run for comparison.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from textual.app import App, ComposeResult
from textual.strip import Strip
from textual.widgets import DataTable

from engine.bootstrap import open_store
from engine.config import Config, load_config
from engine.service import open_contact_center
from engine.store import Store
from micc_tui.agent import AgentApp
from micc_tui.agent.format import queue_rows
from micc_tui.cli.setup import copy_skeleton
from micc_tui.widgets.queue_table import QueueTable

NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)


def fill(store: Store, count: int) -> None:
    """Queue ``count`` conversations directly (ingest speed is benchmarked elsewhere)."""
    rows = []
    for n in range(count):
        stamp = datetime.fromtimestamp(NOW.timestamp() - (count - n) * 7, UTC).isoformat()
        group, access = ("Sales", "Sales") if n % 2 else ("Support", "Support")
        rows.append(
            (
                f"Order {n} question about delivery and invoice",
                f"Customer {n}",
                f"c{n}@example.org",
                access,
                group,
                "queued",
                stamp,
                stamp,
                stamp,
            )
        )
    with store.transaction() as conn:
        conn.executemany(
            "INSERT INTO conversations (subject, customer_name, customer_address, "
            "service_access, service_group, state, created, updated, received) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )


def watch_first_row_line() -> list[float]:
    """Record when the queue table first renders a line that holds an e-mail."""
    stamps: list[float] = []
    render_line = QueueTable.render_line

    def recording(table: QueueTable, y: int) -> Strip:
        if not stamps and y >= 1 and table.row_count:
            stamps.append(time.perf_counter())
        return render_line(table, y)

    QueueTable.render_line = recording  # type: ignore[method-assign,assignment]
    return stamps


async def first_paint(config: Config, count: int) -> tuple[float, float, dict[str, list[float]]]:
    stamps = watch_first_row_line()
    started = time.perf_counter()
    center = open_contact_center(config, "alice", clock=lambda: NOW)
    app = AgentApp(center, poll_seconds=30)
    async with app.run_test(size=(160, 50)) as pilot:
        while True:
            tables = app.screen.query(QueueTable)
            if tables and tables.first().row_count == count:
                await pilot.pause()
                settled = time.perf_counter() - started
                break
            await asyncio.sleep(0.002)
        latencies = await keys(pilot, app)
    return stamps[0] - started, settled, latencies


async def keys(pilot: object, app: AgentApp) -> dict[str, list[float]]:
    """Pilot's press-to-idle time per key, and key-to-frame: until the frame is written.

    Key-to-frame watches the app's private ``_display`` (where a finished frame
    goes to the terminal); it leaves out the settling Pilot waits for, which
    costs about 40 ms even in an empty app.
    """
    frames: list[float] = []
    display = app._display

    def recording(screen: object, renderable: object) -> None:
        display(screen, renderable)  # type: ignore[arg-type]
        frames.append(time.perf_counter())

    app._display = recording  # type: ignore[method-assign]
    timings: dict[str, list[float]] = {
        "down": [],
        "pagedown": [],
        "filter typing": [],
        "down, key to frame": [],
        "filter typing, key to frame": [],
    }
    press = pilot.press  # type: ignore[attr-defined]

    async def timed(key: str, name: str) -> None:
        frames.clear()
        begin = time.perf_counter()
        await press(key)
        timings[name].append(time.perf_counter() - begin)
        if frames and f"{name}, key to frame" in timings:
            timings[f"{name}, key to frame"].append(frames[0] - begin)

    for key, times in (("down", 200), ("pagedown", 50)):
        for _ in range(times):
            await timed(key, key)
    await press("slash")
    for char in "order 12":
        await timed(char if char != " " else "space", "filter typing")
    return timings


class PlainTable(App[None]):
    """A plain DataTable with the same rows, for comparison."""

    def __init__(self, rows: Sequence[tuple[str, ...]]) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        yield DataTable()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Received", "Waiting", "From", "Subject", "Service access")
        table.add_rows(self.rows)


class Empty(App[None]):
    """Nothing at all: what starting any Textual app and pressing keys costs here."""


async def baseline() -> tuple[float, list[float]]:
    started = time.perf_counter()
    async with Empty().run_test(size=(160, 50)) as pilot:
        await pilot.pause()
        painted = time.perf_counter() - started
        presses = []
        for _ in range(100):
            begin = time.perf_counter()
            await pilot.press("down")
            presses.append(time.perf_counter() - begin)
    return painted, presses


async def plain_paint(rows: Sequence[tuple[str, ...]]) -> float:
    started = time.perf_counter()
    app = PlainTable(rows)
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.pause()
        return time.perf_counter() - started


def summary(values: list[float]) -> str:
    if not values:
        return "no frames"
    ms = sorted(v * 1000 for v in values)
    return (
        f"median {statistics.median(ms):.1f} ms, p95 {ms[int(len(ms) * 0.95) - 1]:.1f} ms, "
        f"max {ms[-1]:.1f} ms"
    )


def main() -> None:
    if sys.argv[1:2] == ["--thread"]:
        from bench.console_thread import main as thread_main

        thread_main(int(sys.argv[2]) if len(sys.argv) > 2 else 200)
        return
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    with tempfile.TemporaryDirectory() as folder:
        copy_skeleton(Path(folder))
        config = load_config(str(Path(folder) / "micc.toml"))
        store = open_store(config)
        fill(store, count)
        center = open_contact_center(config, "alice", clock=lambda: NOW)
        begin = time.perf_counter()
        items = center.queue()
        loaded = time.perf_counter() - begin
        rows = [r.cells for r in queue_rows(items, NOW)]
        print(f"{len(items)} queued e-mails; store read {loaded * 1000:.0f} ms")
        empty_paint, empty_keys = asyncio.run(baseline())
        print(
            f"empty Textual app: first paint {empty_paint * 1000:.0f} ms; "
            f"keypress {summary(empty_keys)}"
        )
        painted, settled, latencies = asyncio.run(first_paint(config, count))
        print(
            f"agent console first paint: {painted * 1000:.0f} ms (goal <= 300 ms); "
            f"settled with {count} rows: {settled * 1000:.0f} ms"
        )
        for key, values in latencies.items():
            print(f"keypress {key}: {summary(values)} (goal <= 50 ms)")
        plain = asyncio.run(plain_paint(rows))
        print(f"plain DataTable, same rows: first paint {plain * 1000:.0f} ms")
        center.close()
        store.close()


if __name__ == "__main__":
    main()
