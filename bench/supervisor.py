"""The supervisor console's reads at size: dashboard refresh and archive search.

Usage: python bench/supervisor.py [EMAILS]   (default 100,000)

Builds a store of 50 service groups, 500 agents and EMAILS archived e-mails
(both directions, FTS-indexed) in a temporary file with direct batched
inserts, then times, in a worker thread as the console does:

- one dashboard refresh: the change stamp plus every group's figures and the
  arrivals sparkline (what the poller does when something changed);
- the agents view (500 agents with in-hand and handled-today counts);
- archive searches, first 20 hits: a rare order number, a common word, an address;
- on the UI thread: putting new figures for 50 groups on screen (rows updated by key,
  then the repaint), in a headless console.

Goals (issue 8): <= 50 ms per dashboard refresh; <= 50 ms for 20 search hits.
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.config import Config, parse_config
from engine.store import Store
from engine.supervision import Supervision, open_supervision

GROUPS = 50
AGENTS = 500
NOW = datetime.now(UTC)
WORDS = (
    "order",
    "delivery",
    "invoice",
    "refund",
    "broken",
    "account",
    "password",
    "shipping",
    "price",
    "discount",
    "warranty",
    "return",
    "payment",
    "address",
    "change",
    "cancel",
    "upgrade",
    "contract",
    "question",
    "thanks",
)
STATES = (
    ["answered"] * 70
    + ["closed"] * 15
    + ["queued"] * 8
    + ["in_progress"] * 3
    + ["pending_review"] * 2
    + ["unrouted"]
    + ["junk"]
)


def tenant_toml() -> str:
    """50 groups with accesses, 500 agents (each in two groups), one supervisor."""
    parts = []
    for g in range(GROUPS):
        parts.append(
            f'[[service_group]]\nname = "G{g:02d}"\nemail = "g{g:02d}@seclab.com"\n'
            f"[service_group.thresholds]\noldest_warn_minutes = 30\n"
            f"oldest_alarm_minutes = 120\n"
        )
        parts.append(
            f'[[service_access]]\nname = "A{g:02d}"\naddress = "g{g:02d}.*@seclab.com"\n'
            f'service_group = "G{g:02d}"\n'
        )
    for a in range(AGENTS):
        parts.append(
            f'[[agent]]\nid = "a{a:03d}"\nname = "Agent {a}"\n'
            f'groups = ["G{a % GROUPS:02d}", "G{(a + 7) % GROUPS:02d}"]\n'
        )
    parts.append('[[agent]]\nid = "boss"\nname = "The Boss"\nrole = "supervisor"\n')
    return "\n".join(parts)


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="microseconds")


def fill(store: Store, emails: int, rng: random.Random) -> None:
    """Conversations of ~1.7 messages each, spread over 30 days; events and presence."""
    conversations, messages, events = [], [], []
    message_id = 0
    conversation_id = 0
    while message_id < emails:
        conversation_id += 1
        group = f"G{rng.randrange(GROUPS):02d}"
        state = rng.choice(STATES)
        received = NOW - timedelta(minutes=rng.uniform(0, 30 * 24 * 60))
        if state == "queued":
            received = NOW - timedelta(minutes=rng.uniform(0, 180))
        updated = min(received + timedelta(minutes=rng.uniform(1, 600)), NOW)
        agent = f"a{rng.randrange(AGENTS):03d}" if state not in ("queued", "unrouted") else None
        number = 54321 if conversation_id == 1 else rng.randrange(10**6)
        subject = f"{rng.choice(WORDS)} {rng.choice(WORDS)} ORD-{number:06d}"
        customer = f"customer{rng.randrange(40_000)}@example.org"
        conversations.append(
            (
                conversation_id,
                subject,
                customer,
                f"A{group[1:]}",
                None if state == "unrouted" else group,
                state,
                agent,
                iso(received),
                iso(updated),
                iso(received),
            )
        )
        for turn in range(1 + (rng.random() < 0.7)):
            message_id += 1
            direction = "in" if turn == 0 else "out"
            body = " ".join(rng.choice(WORDS) for _ in range(40))
            at = received + timedelta(minutes=turn * 30)
            messages.append(
                (
                    message_id,
                    direction,
                    f"bench:{message_id}",
                    "h",
                    400,
                    f"<m{message_id}@bench>",
                    subject,
                    customer,
                    json.dumps([f"{group.lower()}.x@seclab.com"]),
                    f"{customer} {group.lower()}.x@seclab.com",
                    iso(at),
                    body,
                    conversation_id,
                )
            )
            if direction == "in":
                events.append((iso(at), "received", conversation_id, message_id))
    # Recent arrivals for the sparkline.
    for minute in range(30):
        for _ in range(rng.randrange(8)):
            events.append(
                (iso(NOW - timedelta(minutes=minute, seconds=rng.uniform(0, 59))), "received", 1, 1)
            )
    with store.transaction() as conn:
        conn.executemany(
            "INSERT INTO conversations (id, subject, customer_address, service_access, "
            "service_group, state, agent_id, created, updated, received) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            conversations,
        )
        conn.executemany(
            "INSERT INTO messages (id, direction, source_key, content_hash, size, message_id, "
            "subject, from_address, to_json, addresses, received, body_text, conversation_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            messages,
        )
        conn.execute(
            "UPDATE conversations SET last_message = (SELECT MAX(id) FROM messages m "
            "WHERE m.conversation_id = conversations.id AND m.direction = 'in')"
        )
        conn.executemany(
            "INSERT INTO events (at, kind, conversation_id, message) VALUES (?, ?, ?, ?)", events
        )
        conn.executemany(
            "INSERT INTO agent_status (agent_id, state, pid, last_seen) VALUES (?, ?, 1, ?)",
            [
                (
                    f"a{a:03d}",
                    "available" if a % 3 else "away",
                    iso(NOW - timedelta(seconds=10 if a % 5 else 3600)),
                )
                for a in range(AGENTS)
            ],
        )
    store.conn.execute("ANALYZE")


def timed(action: Callable[[], object], repeats: int) -> tuple[float, float]:
    """Median and worst milliseconds of ``action``, run in a worker thread."""
    times: list[float] = []

    def run() -> None:
        action()  # warm the page cache and the thread's connection
        for _ in range(repeats):
            start = time.perf_counter()
            action()
            times.append((time.perf_counter() - start) * 1000)

    worker = threading.Thread(target=run)
    worker.start()
    worker.join()
    return statistics.median(times), max(times)


def main() -> None:
    emails = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    rng = random.Random(8)
    with tempfile.TemporaryDirectory() as folder:
        config_path = Path(folder) / "micc.toml"
        config_path.write_text(tenant_toml())
        config: Config = parse_config(config_path.read_text(), config_path)
        started = time.perf_counter()
        store = Store(config.store.path)
        fill(store, emails, rng)
        store.close()
        built = time.perf_counter() - started
        size = Path(config.store.path).stat().st_size / 2**20
        print(
            f"store: {GROUPS} groups, {AGENTS} agents, {emails:,} e-mails "
            f"({size:.0f} MiB) built in {built:.1f} s"
        )
        supervision: Supervision = open_supervision(config, "boss")

        def refresh() -> None:
            supervision.change_stamp()
            supervision.dashboard()

        report = [
            ("change stamp", timed(supervision.change_stamp, 200)),
            ("dashboard refresh", timed(refresh, 50)),
            ("agents view (500)", timed(supervision.agents, 20)),
        ]
        for query in ("ORD-054321", "refund", "customer123@example.org"):
            hits = len(supervision.search(query, limit=20))
            report.append(
                (
                    f"search {query!r} ({hits} hits)",
                    timed(partial(supervision.search, query, limit=20), 50),
                )
            )
        shown, idle = ui_apply(supervision)
        report.append(("dashboard shown + repainted (UI thread)", shown))
        report.append(("  of which the test harness's idle pause", idle))
        for name, (median, worst) in report:
            print(f"{name:<42} median {median:7.2f} ms   worst {worst:7.2f} ms")
        supervision.close()


def ui_apply(
    supervision: Supervision, repeats: int = 30
) -> tuple[tuple[float, float], tuple[float, float]]:
    """Median and worst ms of putting fresh figures for 50 groups on screen, repaint
    included; and of the harness's own pause with nothing to do (to subtract)."""
    from dataclasses import replace

    from micc_tui.supervisor import SupervisorApp
    from micc_tui.supervisor.tabs.dashboard import DashboardTab

    board = supervision.dashboard()
    times: list[float] = []
    idle: list[float] = []

    async def run() -> None:
        app = SupervisorApp(supervision, poll_seconds=3600)
        async with app.run_test(size=(160, 50)) as pilot:
            tab = app.query_one(DashboardTab)
            tab.show(board)
            await pilot.pause()
            for n in range(repeats):
                # Every group's queue moves by one: every row changes.
                moved = replace(
                    board, groups=tuple(replace(g, queued=g.queued + n % 2) for g in board.groups)
                )
                start = time.perf_counter()
                tab.show(moved)
                await pilot.pause()  # includes the repaint
                times.append((time.perf_counter() - start) * 1000)
            for _ in range(repeats):
                start = time.perf_counter()
                await pilot.pause()
                idle.append((time.perf_counter() - start) * 1000)

    import asyncio

    asyncio.run(run())
    return (statistics.median(times), max(times)), (statistics.median(idle), max(idle))


if __name__ == "__main__":
    main()
