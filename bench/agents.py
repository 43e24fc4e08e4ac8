"""Many agent processes on one store: each e-mail taken exactly once, and how fast.

Usage: python bench/agents.py [AGENTS] [EMAILS]
Each agent is its own process with its own SQLite connection, as every agent
logged in over SSH is. They take the next e-mail of their groups, answer it
(close it) and take the next, until the queue is empty.
"""

from __future__ import annotations

import multiprocessing
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.config import parse_config
from engine.ingest import ingest
from engine.lifecycle import close, take_next
from engine.ports import FetchedMessage
from engine.store import Store

CONFIG = """
[[service_group]]
name = "Support"
[[service_access]]
name = "Support"
address = "support@seclab.com"
service_group = "Support"
"""


def fill(config_path: Path, emails: int) -> None:
    """Queue ``emails`` e-mails for the Support group."""
    config = parse_config(CONFIG, config_path)
    store = Store(config.store.path)
    batch = [
        FetchedMessage(
            f"bench:{n}",
            "bench",
            f"From: c{n}@x.org\r\nTo: support@seclab.com\r\nSubject: case {n}\r\n"
            f"Message-ID: <case{n}@x.org>\r\n\r\nhelp {n}\r\n".encode(),
        )
        for n in range(emails)
    ]
    ingest(store, config, batch)
    store.close()


def agent(
    db: str,
    agent_id: str,
    start: multiprocessing.synchronize.Event,  # type: ignore[name-defined]
    results: multiprocessing.Queue,
) -> None:  # type: ignore[type-arg]
    """One agent: take, answer, repeat until nothing is left."""
    store = Store(db)
    taken = []
    start.wait()
    while True:
        taken_id = take_next(store, agent_id, ["Support"])
        if taken_id is None:
            break
        close(store, agent_id, taken_id, "answered")
        taken.append(taken_id)
    store.close()
    results.put((agent_id, taken))


def run(agents: int, emails: int, folder: Path) -> tuple[dict[str, list[int]], float]:
    """Run the agents; return who took what, and the seconds it took."""
    config_path = folder / "micc.toml"
    fill(config_path, emails)
    db = str(folder / "micc.db")
    start = multiprocessing.Event()
    results: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
    processes = [
        multiprocessing.Process(target=agent, args=(db, f"agent{n}", start, results))
        for n in range(agents)
    ]
    for process in processes:
        process.start()
    time.sleep(1.0)  # let every process open the store before the clock starts
    began = time.perf_counter()
    start.set()
    taken = dict(results.get(timeout=600) for _ in processes)
    elapsed = time.perf_counter() - began
    for process in processes:
        process.join(timeout=60)
    return taken, elapsed


def main() -> None:
    agents = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    emails = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    with tempfile.TemporaryDirectory() as tmp:
        taken, elapsed = run(agents, emails, Path(tmp))
    ids = [i for got in taken.values() for i in got]
    busy = sum(1 for got in taken.values() if got)
    print(f"agents: {agents} processes, e-mails: {emails}")
    print(f"taken: {len(ids)}, distinct: {len(set(ids))}, agents who got work: {busy}")
    print(f"take + answer: {len(ids) / elapsed:,.0f} e-mails/s ({elapsed:.2f} s)")


if __name__ == "__main__":
    main()
