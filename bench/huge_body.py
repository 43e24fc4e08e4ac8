"""Agent console with a 25 MB e-mail selected: key-to-frame and the longest UI-thread stall.

Usage: python bench/huge_body.py [MB]   (default 25)

The queue holds ordinary e-mails and one whose text body is MB megabytes.
Two runs of the same keys, in one process: the *baseline* with the cursor
moving between two ordinary e-mails, the *huge* run with the cursor moving
off the huge e-mail and back onto it (each arrival reads it from the store
and prepares its first 256 KB in a worker), then Tab into the reading pane
and PgDn/PgDn/Down/Up through the body, Shift+Tab back (three times). Keys are pressed 0.4 s apart,
so the reading pane has loaded what the cursor rests on before the next key.

Per key: key-to-frame (from sending the key to the first frame written, as
``bench/console.py`` measures it: it watches the app's private ``_display``)
and key-to-pane (until the reading pane shows the e-mail the cursor is on).
Over each run: the longest stall of the UI thread's event loop (a task that
asks to wake every 5 ms; how late it wakes is how long the loop was busy).
Finally ``m`` (show all MB) and the stall while all of it is prepared and laid out.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.bootstrap import open_store
from engine.config import load_config
from engine.service import open_contact_center
from micc_tui.agent import AgentApp
from micc_tui.agent.screen import AgentScreen
from micc_tui.cli.setup import copy_skeleton
from micc_tui.widgets.body_view import BodyView
from micc_tui.widgets.queue_table import QueueTable
from tests.agent_fixtures import NOW, deliver, mail

LINE = "Line {:07d} of the log the customer pasted into the e-mail body, word after word.\n"
GAP = 0.4


class Stalls:
    """How late a task asking to wake every 5 ms wakes: the event loop's longest busy spell."""

    def __init__(self) -> None:
        self.worst = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _watch(self) -> None:
        while True:
            begin = time.perf_counter()
            await asyncio.sleep(0.005)
            self.worst = max(self.worst, time.perf_counter() - begin - 0.005)

    def start(self) -> None:
        self.worst = 0.0
        self._task = asyncio.get_running_loop().create_task(self._watch())

    def stop(self) -> float:
        if self._task is not None:
            self._task.cancel()
        return self.worst


def desk(app: AgentApp) -> AgentScreen:
    return next(s for s in app.screen_stack if isinstance(s, AgentScreen))


async def wait(check: object, timeout: float = 120.0) -> None:
    deadline = time.perf_counter() + timeout
    while not check():  # type: ignore[operator]
        if time.perf_counter() > deadline:
            raise TimeoutError("the console did not get there")
        await asyncio.sleep(0.002)


async def run(app: AgentApp, pilot: object, keys: list[str]) -> dict[str, object]:
    """Press ``keys`` GAP apart; key-to-frame and key-to-pane per key, the worst stall."""
    frames: list[float] = []
    display = app._display

    def recording(screen: object, renderable: object) -> None:
        display(screen, renderable)  # type: ignore[arg-type]
        frames.append(time.perf_counter())

    app._display = recording  # type: ignore[method-assign]
    screen = desk(app)
    table = screen.query_one("#queue", QueueTable)
    to_frame: list[float] = []
    to_pane: list[float] = []
    per_key: list[float] = []
    stalls = Stalls()
    stalls.start()
    for key in keys:
        stalls.worst = 0.0
        frames.clear()
        begin = time.perf_counter()
        await pilot.press(key)  # type: ignore[attr-defined]
        if key in ("j", "k"):
            wanted = table.cursor_key

            def shown(wanted: int | None = wanted) -> bool:
                reading = screen.reading
                return reading is not None and reading.message.conversation_id == wanted

            await wait(shown)
            to_pane.append(time.perf_counter() - begin)
        await asyncio.sleep(GAP)
        if frames:
            to_frame.append(frames[0] - begin)
        per_key.append(stalls.worst)
    stalls.stop()
    app._display = display  # type: ignore[method-assign]
    return {"frame": to_frame, "pane": to_pane, "stall": per_key}


def summary(values: list[float]) -> str:
    ms = sorted(v * 1000 for v in values)
    return f"median {statistics.median(ms):.1f} ms, max {ms[-1]:.1f} ms (n={len(ms)})"


async def bench(config_path: Path) -> None:
    config = load_config(str(config_path))
    center = open_contact_center(config, "alice", clock=lambda: NOW)
    app = AgentApp(center, poll_seconds=30)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = desk(app)
        table = screen.query_one("#queue", QueueTable)
        await wait(lambda: table.row_count == 4 and screen.reading is not None)
        # Rows, oldest first: 1 ordinary, 2 huge, 3 and 4 ordinary. The cursor is on 1.
        await pilot.press("j", "j")  # onto 3
        await wait(lambda: screen.reading is not None and screen.reading.message.subject == "B")
        await asyncio.sleep(0.5)
        scroll = ["tab", "pagedown", "pagedown", "down", "up", "shift+tab"] * 3
        baseline = await run(app, pilot, ["j", "k"] * 10 + scroll)
        await pilot.press("k")  # onto the huge one
        await wait(lambda: screen.reading is not None and screen.reading.body.cut, 300)
        await asyncio.sleep(0.5)
        huge = await run(app, pilot, ["k", "j"] * 10 + scroll)
        for name, result in (("baseline (ordinary e-mails)", baseline), ("huge e-mail", huge)):
            print(f"{name}:")
            print(f"  key-to-frame, every key: {summary(result['frame'])}")  # type: ignore[arg-type]
            print(f"  key-to-pane, j/k: {summary(result['pane'])}")  # type: ignore[arg-type]
            print(f"  longest UI-thread stall after each key: {summary(result['stall'])}")  # type: ignore[arg-type]
        stalls = Stalls()
        stalls.start()
        begin = time.perf_counter()
        await pilot.press("m")
        body = screen.query_one("#reading-body", BodyView)
        await wait(lambda: not body.body.cut and body._layout is not None, 600)
        took = time.perf_counter() - begin
        print(
            f"m (show all): all of it on screen after {took:.1f} s; "
            f"longest UI-thread stall meanwhile {stalls.stop() * 1000:.1f} ms"
        )
    center.close()


def main() -> None:
    megabytes = int(sys.argv[1]) if len(sys.argv) > 1 else 25
    size = megabytes * 1024 * 1024
    text = "".join(LINE.format(n) for n in range(size // len(LINE.format(0)) + 1))[:size]
    with tempfile.TemporaryDirectory() as folder:
        copy_skeleton(Path(folder))
        config = load_config(str(Path(folder) / "micc.toml"))
        store = open_store(config)
        begin = time.perf_counter()
        deliver(
            store,
            config,
            mail(1, subject="A"),
            mail(2, subject="Huge", body=text),
            mail(3, subject="B"),
            mail(4, subject="C"),
        )
        store.close()
        print(f"{megabytes} MB body archived in {time.perf_counter() - begin:.1f} s")
        asyncio.run(bench(Path(folder) / "micc.toml"))


if __name__ == "__main__":
    main()
