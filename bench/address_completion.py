"""Lookup time of To/Cc completion in a big archive (issue 15, item 14).

Usage: python bench/address_completion.py [MESSAGES]

Builds a store in a temporary folder with MESSAGES archived messages (300,000
by default; half incoming, half outgoing) in 150,000 conversations of ten
service groups, from and to 100,000 addresses whose first names repeat (so a
typed "m" matches a good part of them), then prints the time of
:func:`engine.archive.correspondents` for beginnings from one letter to a whole
address. Each figure is the best of three runs. The rows are written straight
into the tables (ingesting 300,000 e-mails would take the bench minutes).
"""

from __future__ import annotations

import random
import string
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine import archive
from engine.store import Store

FIRST = ["maria", "mark", "anna", "john", "peter", "sara", "li", "olga", "max", "mia", "emma"]


def fill(store: Store, messages: int) -> None:
    rnd = random.Random(1)
    groups = [f"G{i}" for i in range(10)]
    people = []
    for i in range(100_000):
        first = rnd.choice(FIRST)
        tail = "".join(rnd.choices(string.ascii_lowercase, k=6))
        people.append((f"{first}{i}.{tail}@ex{i % 50}.example", f"{first.title()} {tail.title()}"))
    conversations = 150_000
    with store.transaction() as conn:
        conn.executemany(
            "INSERT INTO conversations (id, state, service_group, created, updated, received) "
            "VALUES (?, 'closed', ?, '', '', '')",
            [(c, rnd.choice(groups)) for c in range(1, conversations + 1)],
        )
        rows, found = [], []
        for m in range(1, messages + 1):
            address, name = rnd.choice(people)
            conversation = rnd.randint(1, conversations)
            incoming = m % 2 == 0
            rows.append((m, "in" if incoming else "out", f"k{m}", conversation))
            shown = name if incoming else ""
            found.append((address, m, conversation, address, shown, shown.lower(), conversation))
        conn.executemany(
            "INSERT INTO messages (id, direction, source_key, content_hash, size, received, "
            "conversation_id) VALUES (?, ?, ?, '', 0, '', ?)",
            rows,
        )
        conn.executemany(
            "INSERT INTO correspondents (address_key, message, conversation_id, address, name, "
            "name_key, service_group) VALUES (?, ?, ?, ?, ?, ?, "
            "(SELECT service_group FROM conversations WHERE id = ?))",
            found,
        )


def main() -> None:
    messages = int(sys.argv[1]) if len(sys.argv) > 1 else 300_000
    with tempfile.TemporaryDirectory() as folder:
        store = Store(Path(folder) / "bench.db")
        start = time.perf_counter()
        fill(store, messages)
        print(f"{messages:,} messages archived in {time.perf_counter() - start:.1f} s")
        for typed in ("m", "ma", "mar", "maria1", "Emma B", "%"):
            times = []
            for _ in range(3):
                start = time.perf_counter()
                found = archive.correspondents(store, "G3", typed, limit=6)
                times.append(time.perf_counter() - start)
            print(f"{typed!r:>10}: {len(found)} offered in {min(times) * 1000:6.1f} ms")
        store.close()


if __name__ == "__main__":
    main()
