"""Automatic distribution benchmark (issue 17).

1. *Queued to the agent's screen*: an engine without a mail source (the
   distributor in its loop, as ``micc serve`` runs it) in its own process;
   CONSOLES agent consoles (``AgentApp``, headless) in PROCESSES processes, all
   Available; e-mails queued one at a time through ``engine.ingest.ingest`` at
   random moments. Each console accepts what it is offered, holds it 1-4 s and
   closes it. Measured per e-mail: from its ``received`` event (queued) to the
   engine's ``offered`` event, and to the offer on the agent's screen in the
   console process (see :func:`on_screen`). Baseline in the same run: a bare
   poll in the bench's own process (``distribution.offer_of`` for every agent,
   every 0.25 s, no console) sees the same offers.
2. *Decision cost*: a store with AGENTS agents Available in GROUPS groups
   and QUEUED queued e-mails; ``distribution.distribute`` timed when every
   agent is free (one pass offers hundreds), when one agent at a time is free
   (one pass offers one e-mail: the cost of each e-mail in steady work), and
   when nothing can be offered. Baseline in the same run: one plain queue read
   (``engine.queue.list_items``) on the same store.

Goals (issue 17): queued to screen p95 <= 1 s with 50 consoles; <= 5 ms of
distributor per e-mail at 500 agents in 50 groups.

Run: ``python bench/distribution.py [--part screen|decision|both]
[--consoles 50] [--processes 5] [--emails 200] [--agents 500] [--groups 50]
[--queued 5000]``. Needs no mail server.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine import distribution, lifecycle
from engine.agent_state import AgentState, set_state
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


def decision(agents: int, groups: int, queued: int, singles: int, folder: Path) -> None:
    """Time distributor passes on a store of ``agents`` agents, ``groups`` groups."""
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
    whole, one_group = Timing(), Timing()
    for _ in range(20):
        whole.time(lambda: list_items(store))
        one_group.time(lambda: list_items(store, groups=["G07"]))
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
    print(one_group.row("baseline: `list_items(groups=['G07'])`"))
    print()


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("screen", "decision", "both"), default="both")
    parser.add_argument("--consoles", type=int, default=50)
    parser.add_argument("--processes", type=int, default=5)
    parser.add_argument("--emails", type=int, default=200)
    parser.add_argument("--agents", type=int, default=500)
    parser.add_argument("--groups", type=int, default=50)
    parser.add_argument("--queued", type=int, default=5000)
    parser.add_argument("--singles", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.part in ("decision", "both"):
            decision(args.agents, args.groups, args.queued, args.singles, Path(tmp) / "decision")


if __name__ == "__main__":
    main()
