"""Automatic distribution benchmark (issue 17).

1. *Queued to the agent's screen*: an engine without a mail source (the
   distributor in its loop, as ``micc serve`` runs it) in its own process;
   CONSOLES agent consoles (``AgentApp``, headless) in PROCESSES processes, all
   Available; e-mails queued one at a time through ``engine.ingest.ingest`` at
   random moments. Each console accepts what it is offered, holds it 1-4 s and
   closes it. Measured per e-mail: from its ``received`` event (queued) to the
   engine's ``offered`` event, and to the offer on the agent's screen in the
   console process: the offer banner (``#offer-banner``) shown, see
   :func:`banner_shown`; in a checkout whose console has no banner yet, the
   console's own poll of ``ContactCenter.offer()`` every 0.25 s, back on its
   UI thread. Baseline in the same run: a bare poll in the bench's own process
   (``distribution.offer_of`` for every agent every 0.25 s, no console).
2. *Decision cost*: a store with AGENTS agents Available in GROUPS groups
   and QUEUED queued e-mails; ``distribution.distribute`` timed when every
   agent is free (one pass offers hundreds), when one agent at a time is free
   (one pass offers one e-mail: the cost of each e-mail in steady work), and
   when nothing can be offered. Baseline in the same run: one plain queue read
   (``engine.queue.list_items``) on the same store.

Goals (issue 17): queued to screen p95 <= 1 s with 50 consoles; <= 5 ms of
distributor per e-mail at 500 agents in 50 groups.

Run: ``python bench/distribution.py [--part screen|decision|both]
[--consoles 50] [--processes 50] [--emails 200] [--gap 0.2] [--agents 500] [--groups 50]
[--queued 5000] [--singles 200] [--at auto|banner|poll]``. Needs no mail
server. Each console runs in its own process by default, as each agent's does.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine import distribution, lifecycle
from engine.agent_state import AgentState, set_state
from engine.audit import EventKind, trail
from engine.bootstrap import open_store
from engine.config import Config, parse_config
from engine.ingest import ingest
from engine.ports import FetchedMessage
from engine.queue import list_items
from engine.store import Store

ROOT = Path(__file__).resolve().parents[1]

#: How often the console looks for an offer (the banner's poll on branch ``console``).
OFFER_POLL = 0.25
#: The agent console's offer banner, once it has one: "on the screen" is then
#: the moment this widget shows; until then, the console's own poll seeing the offer.
BANNER = "#offer-banner"
#: How often a console looks whether its banner is shown (the error of that measure).
BANNER_LOOK = 0.02


# -- the tenant ------------------------------------------------------------------------


def tenant_text(agents: int, groups: int, *, per_agent: int = 2) -> str:
    """A tenant of ``groups`` offer groups and ``agents`` agents, each in ``per_agent`` groups.

    Agent ``i`` serves group ``i % groups`` with skill 8 and the next ones with
    skill 3; every other group selects the most skilled, the rest the longest idle.
    Group ``g`` has one service access ``g{g}@seclab.com`` of priority ``1 + g % 9``.
    """
    parts = ['locale = "en-US"\n']
    for g in range(groups):
        selection = "most_skilled" if g % 2 else "longest_idle"
        parts.append(
            f'[[service_group]]\nname = "G{g:02d}"\nselection = "{selection}"\n'
            f"offer_timeout_seconds = 60\nmax_in_hand = 3\n"
            f'[[service_access]]\nname = "G{g:02d}"\naddress = "g{g:02d}@seclab.com"\n'
            f'service_group = "G{g:02d}"\npriority = {1 + g % 9}\n'
        )
    for i in range(agents):
        mine = [f"G{(i + k) % groups:02d}" for k in range(min(per_agent, groups))]
        skills = ", ".join(f"{name} = {8 if k == 0 else 3}" for k, name in enumerate(mine))
        parts.append(
            f'[[agent]]\nid = "a{i:03d}"\nname = "Agent {i}"\n'
            f"groups = [{', '.join(repr(m).replace(chr(39), chr(34)) for m in mine)}]\n"
            f"skills = {{ {skills} }}\n"
        )
    return "\n".join(parts)


def make_tenant(folder: Path, agents: int, groups: int) -> Config:
    """Write the tenant's config in ``folder`` and migrate its store."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "micc.toml"
    path.write_text(tenant_text(agents, groups))
    config = parse_config(path.read_text(), path)
    open_store(config).close()
    return config


def customer_mail(n: int, group: int) -> FetchedMessage:
    """Customer e-mail ``n`` to group ``group``'s access, as fetched from the mailbox."""
    raw = (
        f"From: Customer {n} <c{n}@customer.example>\r\nTo: g{group:02d}@seclab.com\r\n"
        f"Subject: Order ORD-{n:06d}\r\nMessage-ID: <dist-{n}@customer.example>\r\n"
        f"Date: Fri, 04 Dec 2026 10:00:00 +0000\r\n\r\n"
        f"Hello, where is my order ORD-{n:06d}?\r\n"
    ).encode()
    return FetchedMessage(f"bench:{n}", "bench", raw)


def queue_mail(store: Store, config: Config, items: Sequence[FetchedMessage]) -> None:
    """Queue e-mails through the engine's ingest (no automatic confirmations: nothing is sent)."""
    ingest(store, config, items, after_archive=())


def all_available(store: Store, config: Config, agents: Sequence[str]) -> None:
    """Set ``agents`` Available with a fresh heartbeat, as their consoles would."""
    for agent_id in agents:
        set_state(store, config, agent_id, AgentState.AVAILABLE, pid=os.getpid())


def percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile of ``values`` (``share`` 0.5 = median)."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered)) - 1))]


def figures(values: Sequence[float], scale: float = 1000.0) -> str:
    """``p50 / p95 / max`` of seconds, in ms."""
    if not values:
        return "(none)"
    return (
        f"{statistics.median(values) * scale:.1f} / {percentile(values, 0.95) * scale:.1f} / "
        f"{max(values) * scale:.1f}"
    )


# -- part 2: the distributor's decision cost -------------------------------------------


@dataclass
class Timing:
    """Wall-clock and CPU seconds of the calls timed, one each."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    def time(self, call: Callable[[], Any]) -> Any:
        """Call ``call``; note its seconds; return its result."""
        wall, cpu = time.perf_counter(), time.process_time()
        result = call()
        self.wall.append(time.perf_counter() - wall)
        self.cpu.append(time.process_time() - cpu)
        return result

    def per(self, count: int) -> None:
        """The last call did ``count`` things: note its seconds per thing."""
        self.wall[-1] /= max(count, 1)
        self.cpu[-1] /= max(count, 1)

    def row(self, what: str) -> str:
        return f"| {what} | {len(self.wall)} | {figures(self.wall)} | {figures(self.cpu)} |"


def settle(store: Store, offers: Sequence[distribution.Offer]) -> None:
    """The agents accept their offers and close the e-mails: free again, untimed."""
    now = datetime.now(UTC)
    for offer in offers:
        lifecycle.accept_offer(store, offer.agent_id, offer.conversation_id, now)
        lifecycle.close(store, offer.agent_id, offer.conversation_id, "answered")


def decision(
    agents: int, groups: int, queued: int, singles: int, folder: Path
) -> dict[str, Timing]:
    """Time distributor passes on a store of ``agents`` agents, ``groups`` groups; print them."""
    config = make_tenant(folder, agents, groups)
    store = open_store(config)
    rng = random.Random(17)
    began = time.perf_counter()
    batch = [customer_mail(n, rng.randrange(groups)) for n in range(queued)]
    for start in range(0, len(batch), 500):
        queue_mail(store, config, batch[start : start + 500])
    all_available(store, config, [a.id for a in config.agent])
    built = time.perf_counter() - began

    def distribute() -> distribution.Pass:
        return distribution.distribute(store, config)

    # Baseline: one plain queue read, the whole queue and one group's.
    list_items(store)
    whole, one_group, one = Timing(), Timing(), f"G{min(7, groups - 1):02d}"
    for _ in range(20):
        whole.time(lambda: list_items(store))
        one_group.time(lambda: list_items(store, groups=[one]))
    # Every agent free: one pass offers to each of them.
    burst, sizes = Timing(), []
    for _ in range(3):
        done = burst.time(distribute)
        burst.per(len(done.offered))
        sizes.append(len(done.offered))
        settle(store, done.offered)
    # Steady work: every agent holds an offer but one, who is free again.
    live = {o.agent_id: o for o in distribute().offered}
    single = Timing()
    for _ in range(singles):
        settle(store, [live.pop(rng.choice(sorted(live)))])
        for offer in single.time(distribute).offered:
            live[offer.agent_id] = offer
    queued_then = len(list_items(store))
    # Nothing to offer: every agent holds an offer.
    idle = Timing()
    for _ in range(20):
        idle.time(distribute)
    # Free agents whose groups are empty.
    starved, empty = _starve(store, config, live, distribute)
    # Every agent Available but at capacity (3 in hand).
    full_hands, full = _fill_hands(store, config, live, distribute)
    queued_last = len(list_items(store))
    store.close()

    print(f"## Decision cost: {agents} agents Available, {groups} groups, {queued} queued")
    print(f"(store built in {built:.1f} s)\n")
    print("| `distribute()` pass | passes | wall ms, p50 / p95 / max | CPU ms, p50 / p95 / max |")
    print("|---|---|---|---|")
    print(burst.row(f"every agent free, per e-mail offered ({' / '.join(map(str, sizes))})"))
    print(single.row(f"one agent free, {queued_then}+ queued: one e-mail offered"))
    print(idle.row("nothing to offer: every agent has an offer"))
    print(empty.row(f"nothing to offer: {starved} agents free, their groups empty"))
    print(full.row(f"nothing to offer: {full_hands} agents at capacity, {queued_last} queued"))
    print(whole.row(f"baseline: `list_items()`, the whole queue ({queued_last})"))
    print(one_group.row(f"baseline: `list_items(groups=['{one}'])`"))
    print()
    return {"burst": burst, "single": single, "idle": idle, "empty": empty, "full": full}


def _starve(
    store: Store,
    config: Config,
    live: dict[str, distribution.Offer],
    distribute: Callable[[], distribution.Pass],
) -> tuple[int, Timing]:
    """Empty G00 and G01 and free their agents; time passes that find nothing for them."""
    names = {"G00", "G01"}
    for item in list_items(store, groups=sorted(names)):
        offer = distribution.offer_of(store, str(item.offered_to)) if item.offered_to else None
        if offer is not None:
            settle(store, [offer])
            live.pop(offer.agent_id, None)
            continue
        lifecycle.take(store, "a000", item.id)
        lifecycle.close(store, "a000", item.id, "answered")
    starved = [a.id for a in config.agent if set(a.groups) <= names]
    settle(store, [live.pop(a) for a in starved if a in live])
    for offer in distribute().offered:  # those who served G00 and another group
        live[offer.agent_id] = offer
    timing = Timing()
    for _ in range(20):
        timing.time(distribute)
    return len(starved), timing


def _fill_hands(
    store: Store,
    config: Config,
    live: dict[str, distribution.Offer],
    distribute: Callable[[], distribution.Pass],
) -> tuple[int, Timing]:
    """Accept every offer until each agent holds all they may; time passes that offer nothing."""
    now = datetime.now(UTC)
    while live:
        for offer in live.values():
            lifecycle.accept_offer(store, offer.agent_id, offer.conversation_id, now)
        live = {o.agent_id: o for o in distribute().offered}
    held = {item.agent_id for item in list_items(store, states=(lifecycle.State.IN_PROGRESS,))}
    timing = Timing()
    for _ in range(20):
        timing.time(distribute)
    return sum(1 for a in config.agent if a.id in held), timing


# -- part 1: queued to the agent's screen ----------------------------------------------


def console_has_banner() -> bool:
    """Whether this checkout's agent console has the offer banner (a widget ``#offer-banner``)."""
    folder = ROOT / "micc_tui"
    return any(BANNER[1:] in p.read_text() for p in folder.rglob("*.py"))


def banner_shown(app: Any) -> bool:
    """Whether the offer banner is on the agent's screen now: the measure's point, banner mode.

    Shown: in the active screen, displayed, not hidden, and placed by the
    compositor in the last screen update.
    """
    # Found once per screen: a DOM query every BANNER_LOOK s in 50 consoles would
    # cost more CPU than the consoles themselves.
    found = _banners.get(id(app.screen))
    if found is None:
        found = _banners[id(app.screen)] = list(app.screen.query(BANNER))
    return any(node.display and node.visible and node.is_on_screen for node in found)


#: The banners of each screen, by the screen's id (see banner_shown).
_banners: dict[int, list[Any]] = {}


def make_console(center: Any, mode: str, seen: Callable[[int, str, float], None]) -> Any:
    """An agent console (``AgentApp``) that reports each offer when it is on the screen.

    ``mode`` "banner": when :func:`banner_shown` turns true (looked at every
    ``BANNER_LOOK`` s on the UI thread). "poll" (the console has no banner yet):
    a worker asks ``center.offer()`` every ``OFFER_POLL`` s, as the banner's poll
    will; the moment the UI thread gets the offer back (where the banner would
    be mounted) is the measure. ``seen(conversation, agent, time.time())`` is
    called once per offer; the agent then accepts it, holds it 1-4 s and closes it.
    """
    from textual import work

    from micc_tui.agent.app import AgentApp

    class Console(AgentApp):
        CSS_PATH = str(
            Path(sys.modules[AgentApp.__module__].__file__ or "").with_name("agent.tcss")
        )

        def __init__(self) -> None:
            super().__init__(center)
            self.rng = random.Random(center.agent.id)
            self.reported: set[int] = set()
            self.banner_up: object = None

        def on_mount(self) -> None:  # AgentApp.on_mount runs too (Textual calls each class's)
            if mode == "banner":
                self.set_interval(BANNER_LOOK, self.look_at_banner)
            else:
                self.set_interval(OFFER_POLL, self.poll_offer)

        def look_at_banner(self) -> None:
            # The banner may go from one offer to the next without being hidden
            # in between (accepted, and offered the next at once): go by the offer.
            offer = getattr(self, "offer_shown", None)
            key = offer.key if offer is not None and banner_shown(self) else None
            if key is not None and key != self.banner_up:
                self.which_offer(time.time())
            self.banner_up = key

        @work(thread=True, group="bench-offer", exit_on_error=False, description="which offer")
        def which_offer(self, at: float) -> None:
            found = center.offer()
            if found is not None:
                self.report(found[0].conversation_id, at)

        @work(
            thread=True,
            exclusive=True,
            group="bench-poll",
            exit_on_error=False,
            description="offer poll",
        )
        def poll_offer(self) -> None:
            found = center.offer()
            if found is not None:
                self.call_from_thread(self.offer_back, found[0].conversation_id)

        def offer_back(self, conversation_id: int) -> None:
            self.report(conversation_id, time.time())

        def report(self, conversation_id: int, at: float) -> None:
            if conversation_id in self.reported:
                return
            self.reported.add(conversation_id)
            seen(conversation_id, center.agent.id, at)
            self.accept(conversation_id)

        @work(thread=True, group="bench-handle", exit_on_error=False, description="accept")
        def accept(self, conversation_id: int) -> None:
            center.accept_offer(conversation_id)
            # Held 1-4 s without holding one of the process's worker threads.
            hold = self.rng.uniform(1.0, 4.0)
            self.call_from_thread(self.set_timer, hold, lambda: self.close(conversation_id))

        @work(thread=True, group="bench-handle", exit_on_error=False, description="close")
        def close(self, conversation_id: int) -> None:
            center.close_item(conversation_id, "answered")

    return Console()


def console_process(
    config_path: str,
    agent_ids: list[str],
    mode: str,
    results: Any,
    go: Any,
    stop: Any,
) -> None:
    """Run headless consoles for ``agent_ids`` until ``stop``; put what they saw, and the CPU
    seconds the process used from ``go`` (e-mails begin to come) to ``stop``."""
    from engine.config import load_config
    from engine.service import open_contact_center

    config = load_config(config_path)
    seen: list[tuple[int, str, float]] = []

    async def run() -> None:
        apps = [
            make_console(open_contact_center(config, a), mode, lambda *s: seen.append(s))
            for a in agent_ids
        ]
        tasks = [asyncio.create_task(app.run_async(headless=True, size=(120, 40))) for app in apps]
        while not go.is_set():
            await asyncio.sleep(0.1)
        cpu[0] = time.process_time()
        while not stop.is_set():
            await asyncio.sleep(0.1)
        cpu[1] = time.process_time()
        for app in apps:
            app.exit()
        await asyncio.gather(*tasks, return_exceptions=True)

    cpu = [0.0, 0.0]
    asyncio.run(run())
    results.put((seen, cpu[1] - cpu[0]))


def engine_process(config_path: str, running: Any, go: Any, stop: Any, cpu: Any) -> None:
    """The engine without a mail source (the distributor in its loop), until ``stop``.

    ``cpu`` gets its CPU seconds at ``go`` and, once stopped, at the end.
    """
    from engine.adapters.smtp import SmtpSender, SmtpSettings
    from engine.config import load_config
    from engine.engine import Connectors, Engine

    config = load_config(config_path)
    engine = Engine(
        config, connectors=Connectors(None, lambda: SmtpSender(SmtpSettings.from_config(config)))
    )

    def watch() -> None:
        engine.running.wait()
        running.set()
        go.wait()
        cpu[0] = time.process_time()
        stop.wait()
        engine.stop.set()

    threading.Thread(target=watch, daemon=True).start()
    engine.run()
    cpu[1] = time.process_time()


class BarePoll(threading.Thread):
    """The baseline: every ``OFFER_POLL`` s, ``offer_of`` for every agent, in this process.

    The consoles accept their offers at once, so this poll would miss those
    they saw first: it notes when each of its looks began and ended instead,
    and an offer counts as seen at the end of the first look begun after it
    was made.
    """

    def __init__(self, config: Config, agents: Sequence[str]) -> None:
        super().__init__(daemon=True)
        self.config, self.agents = config, list(agents)
        self.looks: list[tuple[float, float]] = []
        self.halt = threading.Event()

    def run(self) -> None:
        store = Store(self.config.store.path, migrate=False)
        while not self.halt.wait(OFFER_POLL):
            began = time.time()
            for agent_id in self.agents:
                distribution.offer_of(store, agent_id)
            self.looks.append((began, time.time()))
        store.close()

    def seen(self, offered: float) -> float | None:
        """When this poll saw an offer made at ``offered`` (None: it had stopped)."""
        return next((end for began, end in self.looks if began >= offered), None)


def screen(
    consoles: int, processes: int, emails: int, gap: float, mode: str, folder: Path
) -> dict[str, list[float]]:
    """Queued to the offer on the agent's screen with ``consoles`` consoles (see the module).

    Prints the figures; returns the seconds measured, by what.
    """
    groups = min(5, consoles)  # every group has members
    config = make_tenant(folder, consoles, groups)
    assert config.source is not None
    path = str(config.source)
    agents = [a.id for a in config.agent]
    spawn = multiprocessing.get_context("spawn")
    stop, go, running = spawn.Event(), spawn.Event(), spawn.Event()
    results = spawn.Queue()
    engine_cpu = spawn.Array("d", 2)
    engine = spawn.Process(target=engine_process, args=(path, running, go, stop, engine_cpu))
    engine.start()
    shares = [agents[k::processes] for k in range(processes)]
    children = [
        spawn.Process(target=console_process, args=(path, share, mode, results, go, stop))
        for share in shares
        if share
    ]
    began = time.perf_counter()
    for child in children:
        child.start()
    store = open_store(config)
    # The engine running, every console open and its agent Available (each says so).
    while True:
        dead = [p.exitcode for p in (engine, *children) if p.exitcode is not None]
        if dead:
            stop.set()
            raise SystemExit(f"a console or the engine ended before the e-mails came: {dead}")
        states = {a: distribution_state(store, config, a) for a in agents}
        if running.is_set() and all(s == AgentState.AVAILABLE for s in states.values()):
            break
        if time.perf_counter() - began > 120:
            stop.set()
            raise SystemExit(f"consoles did not all start: {states}")
        time.sleep(0.2)
    opened = time.perf_counter() - began
    time.sleep(2.0)  # let the consoles settle after their first load
    bare = BarePoll(config, agents)
    bare.start()
    rng = random.Random(4)
    go.set()
    queued_at = time.perf_counter()
    for n in range(emails):
        time.sleep(rng.uniform(0, 2 * gap))
        queue_mail(store, config, [customer_mail(n, rng.randrange(groups))])
    arrivals = time.perf_counter() - queued_at
    deadline = time.perf_counter() + 60
    while time.perf_counter() < deadline and len(_offered(store)) < emails:
        time.sleep(0.2)
    time.sleep(1.0)  # the last offers reach the screens
    measured = time.perf_counter() - queued_at
    bare.halt.set()
    stop.set()
    seen: dict[tuple[int, str], float] = {}
    consoles_cpu = 0.0
    for _ in children:
        saw, cpu = results.get(timeout=120)
        consoles_cpu += cpu
        for conversation_id, agent_id, at in saw:
            seen.setdefault((conversation_id, agent_id), at)
    for child in children:
        child.join(timeout=60)
    engine.join(timeout=60)
    bare.join(timeout=5)
    elapsed = time.perf_counter() - began

    decided, on_screen, baseline, expired = [], [], [], 0
    for conversation_id in range(1, emails + 1):
        events = trail(store, conversation_id)
        received = next(e for e in events if e.kind == EventKind.RECEIVED)
        offers = [e for e in events if e.kind == EventKind.OFFERED]
        expired += sum(1 for e in events if e.kind == EventKind.OFFER_EXPIRED)
        if not offers:
            continue
        first = offers[0]
        key = (conversation_id, str(first.detail["agent"]))
        start = datetime.fromisoformat(received.at).timestamp()
        offered = datetime.fromisoformat(first.at).timestamp()
        decided.append(offered - start)
        if key in seen:
            on_screen.append(seen[key] - start)
        bare_seen = bare.seen(offered)
        if bare_seen is not None:
            baseline.append(bare_seen - start)
    store.close()

    where = (
        f"`{BANNER}` shown (`banner_shown`)"
        if mode == "banner"
        else f"the console's own poll of `ContactCenter.offer()` every {OFFER_POLL} s, "
        "back on its UI thread"
    )
    print(
        f"## Queued to the agent's screen: {len(children)} processes, {consoles} consoles "
        f"(headless, 120x40), {emails} e-mails, one every {gap:.2f} s on average"
    )
    print(
        f"(consoles open and Available after {opened:.1f} s; arrivals over {arrivals:.0f} s; "
        f"on the screen = {where})\n"
    )
    print("| from queued (the `received` event) to | e-mails | p50 / p95 / max ms |")
    print("|---|---|---|")
    print(f"| the engine's `offered` event | {len(decided)} | {figures(decided)} |")
    print(
        f"| the offer on the agent's screen, console process | {len(on_screen)} | "
        f"{figures(on_screen)} |"
    )
    print(
        f"| baseline: a bare `offer_of` poll every {OFFER_POLL} s, no console, its first look | "
        f"{len(baseline)} | {figures(baseline)} |"
    )
    print(
        f"\noffers expired: {expired}; CPU from the first e-mail to the end ({measured:.0f} s, "
        f"{os.cpu_count()} cores): consoles {consoles_cpu:.0f} s, "
        f"engine {engine_cpu[1] - engine_cpu[0]:.1f} s; whole run {elapsed:.0f} s\n"
    )
    return {"offered": decided, "screen": on_screen, "bare": baseline}


def distribution_state(store: Store, config: Config, agent_id: str) -> str:
    from engine.agent_state import status

    return status(store, config, agent_id).state


def _offered(store: Store) -> set[int]:
    return {item.id for item in list_items(store, states=None) if item.state != "queued"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("screen", "decision", "both"), default="both")
    parser.add_argument("--consoles", type=int, default=50)
    parser.add_argument(
        "--processes", type=int, default=0, help="console processes (default: one per console)"
    )
    parser.add_argument("--emails", type=int, default=200)
    parser.add_argument("--agents", type=int, default=500)
    parser.add_argument("--groups", type=int, default=50)
    parser.add_argument("--queued", type=int, default=5000)
    parser.add_argument("--singles", type=int, default=200)
    parser.add_argument("--gap", type=float, default=0.2, help="mean seconds between e-mails")
    parser.add_argument("--at", choices=("auto", "banner", "poll"), default="auto")
    args = parser.parse_args()
    mode = args.at if args.at != "auto" else "banner" if console_has_banner() else "poll"
    with tempfile.TemporaryDirectory() as tmp:
        if args.part in ("screen", "both"):
            processes = args.processes or args.consoles
            screen(args.consoles, processes, args.emails, args.gap, mode, Path(tmp) / "screen")
        if args.part in ("decision", "both"):
            decision(args.agents, args.groups, args.queued, args.singles, Path(tmp) / "decision")


if __name__ == "__main__":
    main()
