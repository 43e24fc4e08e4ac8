"""IMAP ingest benchmark (issue 3): Dovecot -> engine -> store.

1. 2,000 ~5 KB messages delivered into a private Dovecot, then read by the
   engine's incoming cycle (FETCH, parse, route, archive, bookmark) with the
   ``keep`` policy; beside it, the bare rate of the same messages: FETCH
   BODY.PEEK[] in batches of 500 plus :func:`engine.mail.parse.parse_message`,
   measured in the same run.
2. Arrival-to-queued latency with IDLE: 100 single LMTP deliveries while
   ``Engine`` runs in a thread; time from the delivery call to the
   conversation row in the store.

Run: ``python bench/ingest.py [--messages 2000] [--latency 100]`` (needs
dovecot-imapd and dovecot-lmtpd). Prints the figures as a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.adapters.imap import ImapSettings, ImapSource
from engine.bootstrap import open_store
from engine.engine import Engine
from engine.mail.parse import parse_message
from engine.sync import sync_once
from tests.servers.dovecot import PASSWORD, Dovecot
from tests.servers.tenant import PASSWORD_ENV, tenant

BODY = (
    "Hello team,\n\nI ordered item {n} last week and it has not arrived yet. "
    "Could you look into it? The order number is ORD-{n:06d}.\n\n"
) * 36


def message(n: int) -> bytes:
    """A ~5 KB customer e-mail; recipients cycle over the tenant's accesses."""
    to = (
        "Solidus.Sales.EMEA@seclab.com",
        "solidus.support+help@gmail.com",
        "someone@partner.example",
        "nobody@nowhere.example",
    )[n % 4]
    cc = "Cc: marketing@seclab.com\n" if n % 4 == 2 else ""
    return (
        f"From: Customer {n} <c{n}@customer.example>\nTo: {to}\n{cc}"
        f"Subject: Order ORD-{n:06d} question\nDate: Thu, 26 Nov 2026 10:00:00 +0000\n"
        f"Message-ID: <bench-{n}@customer.example>\nMIME-Version: 1.0\n"
        f"Content-Type: text/plain; charset=utf-8\n\n{BODY.format(n=n)}"
    ).encode()


def bare_rate(dovecot: Dovecot, user: str) -> tuple[float, int]:
    """FETCH BODY.PEEK[] (batches of 500) + parse_message, no store."""
    source = ImapSource(ImapSettings("127.0.0.1", dovecot.imap_port, "none", user, PASSWORD))
    source.connect()
    start = time.perf_counter()
    count = 0
    for items, _ in source.fetch_new(None, 500):
        for item in items:
            parse_message(item.raw)
            count += 1
    elapsed = time.perf_counter() - start
    source.close()
    return count / elapsed, count


def engine_rate(dovecot: Dovecot, user: str, folder: Path) -> tuple[float, int, int]:
    """The engine's incoming cycle into a fresh store (keep policy)."""
    config = tenant(folder, imap_port=dovecot.imap_port, user=user, smtp_port=1, policy="keep")
    store = open_store(config)
    source = ImapSource(ImapSettings.from_config(config))
    source.connect()
    start = time.perf_counter()
    report = sync_once(store, config, source, batch=config.server.imap.fetch_batch, policy="keep")
    elapsed = time.perf_counter() - start
    source.close()
    store.close()
    return report.archived / elapsed, report.archived, config.server.imap.fetch_batch


def latency(dovecot: Dovecot, folder: Path, rounds: int) -> list[float]:
    """Seconds from LMTP delivery to the queued conversation, one message at a time."""
    user = dovecot.new_user()
    config = tenant(folder, imap_port=dovecot.imap_port, user=user, smtp_port=1)
    stop = threading.Event()
    thread = threading.Thread(target=lambda: Engine(config, stop=stop).run(), daemon=True)
    thread.start()
    store = open_store(config)
    # Let the engine connect and enter IDLE before timing anything.
    while store.query_one("SELECT 1 FROM engine_health WHERE name = 'idle'") is None:
        time.sleep(0.01)
    times = []
    rng = random.Random(3)
    for n in range(rounds):
        # Customers do not wait for the engine's cycle: arrive at a random moment.
        time.sleep(rng.uniform(0, 0.5))
        before = time.perf_counter()
        dovecot.deliver(user, message(100_000 + n))
        while store.query_one("SELECT COUNT(*) FROM conversations")[0] <= n:
            time.sleep(0.002)
        times.append(time.perf_counter() - before)

    stop.set()
    thread.join(timeout=30)
    store.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--latency", type=int, default=100)
    args = parser.parse_args()
    os.environ[PASSWORD_ENV] = PASSWORD
    dovecot = Dovecot.in_temp()
    dovecot.start()
    try:
        user = dovecot.new_user()
        dovecot.deliver_many(user, [message(n) for n in range(args.messages)])
        size = sum(len(message(n)) for n in range(args.messages)) / args.messages
        with tempfile.TemporaryDirectory() as tmp:
            bare, count = bare_rate(dovecot, user)
            engine, archived, batch = engine_rate(dovecot, user, Path(tmp) / "rate")
            waits = latency(dovecot, Path(tmp) / "latency", args.latency)
    finally:
        dovecot.remove()
    assert archived == count == args.messages
    waits.sort()
    p50 = statistics.median(waits)
    p95 = waits[max(0, round(0.95 * len(waits)) - 1)]
    print(f"| messages | {args.messages} of {size / 1024:.1f} KB |")
    print(f"| bare FETCH + parse | {bare:,.0f} msg/s |")
    print(
        f"| engine: FETCH, parse, route, archive (batch {batch}) | {engine:,.0f} msg/s "
        f"({engine / bare:.0%} of bare) |"
    )
    print(
        f"| IDLE arrival to queued, {len(waits)} deliveries | p50 {p50 * 1000:.0f} ms, "
        f"p95 {p95 * 1000:.0f} ms, max {waits[-1] * 1000:.0f} ms |"
    )


if __name__ == "__main__":
    main()
