"""The whole conversation in the reading pane: first paint, keys and the re-read (issue 16).

Run through ``python bench/console.py --thread N`` (default 200 messages).

One conversation of N messages: the customer's e-mails (every fifth HTML
only, every twentieth with a file) and the agent's replies alternate, with a
note every tenth message and a release and a take every fortieth (trail
events). The same is done in the same run for the baselines: a conversation
of one message, and of two (the smallest where ``[`` moves: it and ``]`` take
turns). For each, at 160x50 and at 80x24 under Pilot:

- *first paint*: from starting the app to the first frame written in which
  the reading pane shows the newest e-mail with the conversation's lines
  above it, scrolled to that e-mail (it includes the 0.12 s the queue's
  cursor must rest before the pane loads);
- ``[`` *key to frame* and *key to e-mail*: from the key to the first frame
  written, and to the first frame showing the earlier e-mail in place (its
  headers at the top of the pane); twenty steps back;
- *scrolling*: key to frame for ``up``, ``pageup``, ``g``, ``G``, ``down``,
  ``pagedown`` with the reading pane focused (keys that moved nothing, at a
  top or a bottom, draw no frame and are left out);
- *re-read*: what the desk does each time the store changes while the
  conversation is shown: ``ContactCenter.thread`` with the entries known
  (in a worker), then ``thread_lines`` (in a worker) and ``ReadingPane.show``
  with the new reading (on the UI thread).

Each console is started :data:`RUNS` times per size; the figures are over all runs.
Frames are recorded as ``bench/console.py`` does: by watching the app's
private ``_display`` (where a finished frame goes to the terminal).
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from engine import archive, lifecycle, notes, queue
from engine.bootstrap import open_store
from engine.config import Config, load_config
from engine.errors import Refused
from engine.ingest import ingest
from engine.lifecycle import State
from engine.ports import FetchedMessage
from engine.service import ContactCenter, open_contact_center
from engine.store import Store
from micc_tui.agent import AgentApp
from micc_tui.agent.panes import ReadingPane, ThreadPart
from micc_tui.agent.screen import AgentScreen
from micc_tui.agent.thread_lines import thread_lines
from micc_tui.cli.setup import copy_skeleton
from tests.agent_fixtures import NOW

CUSTOMER = "anna@example.org"
SERVICE = "Solidus.Sales.Retail@seclab.com"
SUBJECT = "Chairs for the new office"
PARAGRAPH = (
    "We looked at the catalogue again and would like to change the order: "
    "forty chairs in grey, ten in blue, delivered to the second floor. "
)
SIZES = ((160, 50), (80, 24))
STEPS_BACK = 20
SCROLL_KEYS = ["G", "g", "pagedown", "pagedown", "up", "up", "up", "pageup", "G"]
SCROLL_KEYS += ["up"] * 5 + ["g"] + ["down"] * 5 + ["pagedown", "g"]
REREADS = 30
#: Consoles started per size and conversation (each one: first paint, then the keys).
RUNS = 3


def _mail(n: int, previous: str | None, *, ours: bool, last: bool) -> bytes:
    """Message ``n`` of the conversation: the agent's (``ours``) or the customer's.

    The ``last`` (the customer's follow-up, the e-mail shown) quotes 40 lines,
    so that it scrolls at both sizes even alone (the baseline).
    """
    message = EmailMessage()
    message["From"] = f'"Alice Smith" <{SERVICE}>' if ours else f'"Anna Berg" <{CUSTOMER}>'
    message["To"] = CUSTOMER if ours else SERVICE
    message["Subject"] = SUBJECT if n == 0 else f"Re: {SUBJECT}"
    message["Date"] = format_datetime(NOW - timedelta(hours=400 - 2 * n))
    message["Message-ID"] = _message_id(n, ours)
    if previous:
        message["In-Reply-To"] = previous
        message["References"] = previous
    words = f"Message {n}. " + PARAGRAPH * (1 + n % 4)
    quoted = "\n".join(f"> {PARAGRAPH}" for _ in range(40 if last else 6))
    text = f"Hello,\n\n{words}\n\nBest regards\n\n{quoted}\n"
    if not ours and n % 10 == 4:  # every fifth of the customer's: HTML only
        message.set_content(
            f"<html><body><p>Hello,</p><p>{words}</p><blockquote>{PARAGRAPH}</blockquote>"
            "</body></html>",
            subtype="html",
        )
    else:
        message.set_content(text)
    if n % 20 == 2:
        message.add_attachment(
            b"part,qty\nchair-grey,40\n" * 50,
            maintype="text",
            subtype="csv",
            filename=f"order-{n}.csv",
        )
    return bytes(message)


def _message_id(n: int, ours: bool) -> str:
    return f"<t{n}@{'seclab.com' if ours else 'example.org'}>"


def build(store: Store, config: Config, count: int) -> int:
    """The conversation of ``count`` messages, its notes and events; its id.

    The customer's and the agent's alternate; the newest is the customer's
    (what the queue shows). It is left queued, released by a supervisor.
    """
    previous: str | None = None
    conversation = 0
    for n in range(count):
        last = n == count - 1
        ours = n % 2 == 1 and not last
        raw = _mail(n, previous, ours=ours, last=last)
        previous = _message_id(n, ours)
        if not ours:
            result = ingest(
                store, config, [FetchedMessage(f"bench:{n}", "bench", raw)], after_archive=()
            )
            conversation = int(result[0].conversation_id or 0)
            item = queue.get_item(store, conversation)
            if item is not None and item.state == State.QUEUED:
                lifecycle.take(store, "alice", conversation)
        else:
            archive.archive_outgoing(store, conversation, f"bench-out:{n}", raw)
        if n % 10 == 5:
            notes.add(store, conversation, "alice", f"Note {n}: asked the warehouse about stock.")
        if n % 40 == 39:
            try:
                lifecycle.release(store, "carol", conversation)
                lifecycle.take(store, "alice", conversation)
            except Refused:
                pass
    # Back in the queue: the desk opens on the queue, its cursor on this conversation.
    lifecycle.release(store, "carol", conversation)
    return conversation


class Frames:
    """The moments frames were written, and a check run at each frame (for "shown")."""

    def __init__(self, app: AgentApp) -> None:
        self.stamps: list[float] = []
        self.watch: Callable[[], bool] | None = None
        self.seen: float | None = None
        display = app._display

        def recording(screen: object, renderable: object) -> None:
            display(screen, renderable)  # type: ignore[arg-type]
            now = time.perf_counter()
            self.stamps.append(now)
            if self.watch is not None and self.seen is None and self.watch():
                self.seen = now

        app._display = recording  # type: ignore[method-assign]

    def expect(self, check: Callable[[], bool]) -> None:
        self.stamps.clear()
        self.seen = None
        self.watch = check


def desk(app: AgentApp) -> AgentScreen:
    return next(s for s in app.screen_stack if isinstance(s, AgentScreen))


def placed(app: AgentApp, message_id: int) -> bool:
    """The pane shows ``message_id`` with its headers at the top (or scrolled as far as it goes)."""
    screen = next((s for s in app.screen_stack if isinstance(s, AgentScreen)), None)
    reading = screen.reading if screen is not None else None
    if screen is None or reading is None:
        return False
    if reading.message.id != message_id:
        return False
    pane = screen.query_one("#reading", ReadingPane)
    before = screen.query_one("#thread-before", ThreadPart)
    if not before.keys:
        return True
    headers = screen.query_one("#reading-headers")
    goal = min(headers.virtual_region.y, pane.max_scroll_y)
    return goal > 0 and abs(pane.scroll_y - goal) < 1


async def wait(check: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.perf_counter() + timeout
    while not check():
        if time.perf_counter() > deadline:
            raise TimeoutError("the console did not get there")
        await asyncio.sleep(0.002)


def message_ids(center: ContactCenter, conversation: int) -> list[int]:
    return [e.message.id for e in center.thread(conversation) if e.message is not None]


async def console(
    config: Config, conversation: int, size: tuple[int, int]
) -> dict[str, list[float]]:
    """First paint, ``[`` and scrolling at ``size``: seconds, by measure."""
    center = open_contact_center(config, "alice", clock=lambda: NOW)
    ids = message_ids(center, conversation)
    results: dict[str, list[float]] = {
        "first paint": [],
        "[ key to frame": [],
        "[ key to e-mail": [],
        "scroll key to frame": [],
        "re-read, pane.show (UI thread)": [],
    }
    started = time.perf_counter()
    app = AgentApp(center, poll_seconds=30)
    frames = Frames(app)
    frames.expect(lambda: placed(app, ids[-1]))
    async with app.run_test(size=size) as pilot:
        await wait(lambda: frames.seen is not None)
        assert frames.seen is not None
        results["first paint"].append(frames.seen - started)
        await pilot.pause()
        screen = desk(app)
        pane = screen.query_one("#reading", ReadingPane)
        results["re-read, pane.show (UI thread)"] = reshow(screen, pane)
        pane.focus()
        await pilot.pause()
        for key in SCROLL_KEYS:
            frames.expect(lambda: False)
            begin = time.perf_counter()
            await pilot.press(key)
            if frames.stamps:
                results["scroll key to frame"].append(frames.stamps[0] - begin)
        for key, goal in steps(ids):
            frames.expect(lambda goal=goal: placed(app, goal))  # type: ignore[misc]
            begin = time.perf_counter()
            await pilot.press(key)
            await wait(lambda: frames.seen is not None)
            assert frames.seen is not None
            results["[ key to frame"].append(frames.stamps[0] - begin)
            results["[ key to e-mail"].append(frames.seen - begin)
            await pilot.pause()
    center.close()
    return results


def steps(ids: list[int]) -> list[tuple[str, int]]:
    """The keys to press and the e-mail each shows: STEPS_BACK times ``[`` from the newest.

    With fewer e-mails, ``[`` and ``]`` in turn between the two newest (none with one).
    """
    if len(ids) > STEPS_BACK:
        return [("left_square_bracket", goal) for goal in reversed(ids[-1 - STEPS_BACK : -1])]
    if len(ids) < 2:
        return []
    return [("left_square_bracket", ids[-2]), ("right_square_bracket", ids[-1])] * (STEPS_BACK // 2)


def reshow(screen: AgentScreen, pane: ReadingPane) -> list[float]:
    """The UI thread's part of a re-read: the pane shown again with a fresh reading.

    The reading is made as the read worker makes it: the same e-mail and body,
    the thread and its lines read again (new objects, equal to those shown).
    """
    reading = screen.reading
    assert reading is not None
    center = screen.center
    conversation = reading.message.conversation_id
    assert conversation is not None
    times = []
    for _ in range(REREADS):
        entries = tuple(center.thread(conversation, reading.thread))
        lines = thread_lines(entries, f"m{reading.message.id}", center.name_of)
        again = replace(reading, thread=entries, lines=lines)
        begin = time.perf_counter()
        pane.show(again)
        times.append(time.perf_counter() - begin)
    return times


def reread(config: Config, conversation: int) -> dict[str, list[float]]:
    """The worker's part of a re-read: the thread with its entries known, then its lines."""
    center = open_contact_center(config, "alice", clock=lambda: NOW)
    cold, known, lines = [], [], []
    entries = center.thread(conversation)
    shown = next(f"m{e.message.id}" for e in reversed(entries) if e.message is not None)
    for _ in range(REREADS):
        begin = time.perf_counter()
        center.thread(conversation)
        cold.append(time.perf_counter() - begin)
        begin = time.perf_counter()
        entries = center.thread(conversation, entries)
        known.append(time.perf_counter() - begin)
        begin = time.perf_counter()
        thread_lines(entries, shown, center.name_of)
        lines.append(time.perf_counter() - begin)
    center.close()
    return {
        "thread(), nothing known": cold,
        "re-read, thread(known)": known,
        "re-read, thread_lines": lines,
    }


def summary(values: list[float]) -> str:
    if not values:
        return "no frames"
    ms = sorted(v * 1000 for v in values)
    return f"median {statistics.median(ms):.1f} ms, max {ms[-1]:.1f} ms (n={len(ms)})"


def workspaces(counts: tuple[int, ...]) -> Iterator[tuple[int, Config, int]]:
    """A workspace holding one conversation of each count: (count, config, conversation)."""
    with tempfile.TemporaryDirectory() as folder:
        for count in counts:
            root = Path(folder) / f"c{count}"
            copy_skeleton(root)
            config = load_config(str(root / "micc.toml"))
            store = open_store(config)
            begin = time.perf_counter()
            conversation = build(store, config, count)
            print(f"{count} message(s) built in {time.perf_counter() - begin:.1f} s")
            store.close()
            yield count, config, conversation


def main(count: int) -> None:
    for n, config, conversation in workspaces((1, 2, count)):
        name = f"baseline, {n} message{'s' if n > 1 else ''}" if n < count else f"{n} messages"
        for measure, values in reread(config, conversation).items():
            print(f"{name}: {measure}: {summary(values)}")
        for size in SIZES:
            results: dict[str, list[float]] = {}
            for _ in range(RUNS):
                for measure, values in asyncio.run(console(config, conversation, size)).items():
                    results.setdefault(measure, []).extend(values)
            for measure, values in results.items():
                print(f"{name} at {size[0]}x{size[1]}: {measure}: {summary(values)}")
